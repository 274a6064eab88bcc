package io.nbdtk.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nbdtk.testing.Prerequisites;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe against a real, independent server (nbdkit) on a private Unix socket. */
class HandshakeProbeTest {
    @TempDir
    Path dir;
    private Process nbdkit;
    private Path socket;

    @BeforeEach
    void startNbdkit() throws IOException {
        Path exe = Prerequisites.tool("nbdkit", "nbdkit");
        socket = dir.resolve("nbd.sock");
        nbdkit = new ProcessBuilder(exe.toString(), "-f", "-U", socket.toString(), "-e", "disk", "memory", "1M")
                .redirectErrorStream(true).redirectOutput(dir.resolve("nbdkit.log").toFile()).start();
        await().atMost(20, TimeUnit.SECONDS).until(() -> Files.exists(socket) || !nbdkit.isAlive());
        assertThat(nbdkit.isAlive()).as("nbdkit runs").isTrue();
    }

    @AfterEach
    void stopNbdkit() throws InterruptedException {
        nbdkit.destroy();
        if (!nbdkit.waitFor(10, TimeUnit.SECONDS)) {
            nbdkit.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void readsTheExportSizeFromARealServer() throws IOException {
        assertThat(HandshakeProbe.probe(UnixDomainSocketAddress.of(socket), "disk", Duration.ofSeconds(10)))
                .isEqualTo(1 << 20);
    }

    @Test
    void failsForAnExportTheServerDoesNotHave() {
        // nbdkit's memory plugin serves any name, but names over 4096 bytes break the spec's limit,
        // so the server answers with an error or drops the connection: either way no export.
        assertThatThrownBy(() -> HandshakeProbe.probe(UnixDomainSocketAddress.of(socket), "x".repeat(5000),
                Duration.ofSeconds(10))).isInstanceOf(IOException.class);
    }
}
