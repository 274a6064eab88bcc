package io.nbdtk.server.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.NbdServer;
import io.nbdtk.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** qemu's NBD client (qemu-img, qemu-io) against our server. */
class QemuInteropTest {
    @TempDir
    Path dir;
    NbdServer server;
    Path qemuImg;
    Path qemuIo;

    @BeforeEach
    void start() throws Exception {
        qemuImg = Prerequisites.tool("qemu-img", "qemu-utils");
        qemuIo = Prerequisites.tool("qemu-io", "qemu-utils");
        server = InteropServer.start(dir);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void info_sees_the_virtual_size() throws Exception {
        String out = Tool.run(30, qemuImg.toString(), "info", "--output=json", InteropServer.uri(server, "disk"))
                .ok().output();
        assertThat(out.replaceAll("\\s+", " ")).contains("\"virtual-size\": 67108864");
    }

    @Test
    void convert_to_the_export_then_compare_and_convert_back() throws Exception {
        Path src = dir.resolve("src.raw");
        byte[] data = new byte[16 << 20];
        new Random(3).nextBytes(data);
        Files.write(src, data);
        Path qcow = dir.resolve("src.qcow2");
        Tool.run(60, qemuImg.toString(), "convert", "-f", "raw", "-O", "qcow2", src.toString(), qcow.toString()).ok();
        // qcow2 -> raw bytes into the export (-n: the target exists), sizes differ so compare the prefix
        Tool.run(60, qemuImg.toString(), "convert", "-n", "-f", "qcow2", "-O", "raw", qcow.toString(),
                InteropServer.uri(server, "disk")).ok();
        Path back = dir.resolve("back.raw");
        Tool.run(60, qemuImg.toString(), "convert", "-f", "raw", "-O", "raw", InteropServer.uri(server, "disk"),
                back.toString()).ok();
        byte[] got = Files.readAllBytes(back);
        assertThat(got).hasSize(64 << 20);
        assertThat(java.util.Arrays.copyOf(got, data.length)).isEqualTo(data);
        Tool.run(60, qemuImg.toString(), "compare", "-f", "raw", "-F", "raw", back.toString(),
                InteropServer.uri(server, "disk")).ok();
    }

    @Test
    void qemu_io_patterns_discard_and_write_zeroes_read_back_verified() throws Exception {
        String out = Tool.run(60, qemuIo.toString(), "-f", "raw",
                "-c", "write -P 0xa5 0 4M",
                "-c", "read -P 0xa5 0 4M",
                "-c", "write -f -P 0x5a 4M 1M",   // FUA write
                "-c", "read -P 0x5a 4M 1M",
                "-c", "discard 0 1M",
                "-c", "read -P 0 0 1M",
                "-c", "write -z 1M 1M",
                "-c", "read -P 0 1M 1M",
                "-c", "read -P 0xa5 2M 2M",
                "-c", "flush",
                InteropServer.uri(server, "disk")).ok().output();
        assertThat(out).doesNotContain("Pattern verification failed").doesNotContain("error");
        assertThat(out).contains("discard 1048576/1048576", "wrote 1048576/1048576 bytes at offset 1048576");
    }
}
