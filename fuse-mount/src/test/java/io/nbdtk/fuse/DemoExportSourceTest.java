package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --demo: our own server, in this process, mounted through the client like any other server. */
class DemoExportSourceTest {
    @TempDir Path tmp;
    private RunningMount mount;

    @AfterEach
    void tearDown() {
        if (mount != null) {
            mount.close();
        }
    }

    @Test
    void demoMountsAnInMemoryExportReadWriteWithTheMitigations() throws Exception {
        FuseTestSupport.requireFuse();
        Path mp = Files.createDirectory(tmp.resolve("mnt"));
        ClientSettings cs = new ClientSettings(false, 2, Duration.ofSeconds(20), Duration.ofSeconds(5));
        mount = RunningMount.start(new DemoExportSource(16 << 20, cs), mp, tmp, false, true);

        Path demo = mount.file("demo");
        assertThat(Files.size(demo)).isEqualTo(16 << 20);
        assertThat(mount.out()).contains("read-write", "embedded nbdtk server");
        // local by construction: not refused, and mitigated (direct_io at least)
        assertThat(mount.err()).contains("applied: FUSE direct_io");

        byte[] data = new byte[2 << 20];
        new Random(3).nextBytes(data);
        Files.write(demo, data, StandardOpenOption.WRITE);
        ExportFileSystemMountTest.run("sync", demo.toString());
        byte[] back = new byte[data.length];
        try (var in = Files.newInputStream(demo)) {
            assertThat(in.readNBytes(back, 0, back.length)).isEqualTo(back.length);
        }
        assertThat(back).isEqualTo(data);
        assertThat(mount.unmount()).isZero();
    }
}
