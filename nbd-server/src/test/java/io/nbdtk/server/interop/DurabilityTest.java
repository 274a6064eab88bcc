package io.nbdtk.server.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nbdtk.client.ClientOptions;
import io.nbdtk.client.NbdClient;
import io.nbdtk.protocol.CommandFlags;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acknowledged data survives a SIGKILL of the server process: the server runs as a child JVM
 * (the real {@code nbd-server} main class) serving a config file; the test writes, flushes or
 * FUA-writes, kills it with SIGKILL, starts it again and reads every acknowledged byte back.
 */
class DurabilityTest {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    Path socket;
    Path config;
    Path disk;
    ExternalProcess server;

    @BeforeEach
    void config() throws Exception {
        socket = dir.resolve("nbd.sock");
        disk = dir.resolve("disk.img");
        config = dir.resolve("config");
        Files.writeString(config, "[generic]\nunixsock = " + socket + "\n"
                + "[disk]\nexportname = " + disk + "\nfilesize = 8388608\nflush = true\nfua = true\n"
                + "[overlay]\nexportname = " + disk + "\ncopyonwrite = true\nflush = true\n");
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private void startServer() throws Exception {
        Files.deleteIfExists(socket); // a SIGKILLed server leaves its socket file behind
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        server = ExternalProcess.start(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                "io.nbdtk.server.cli.NbdServerCommand", "--config", config.toString()),
                dir.resolve("server-" + System.nanoTime() + ".log"));
        ExternalProcess s = server;
        await().atMost(TIMEOUT).until(() -> s.output().contains("listening on") || !s.process.isAlive());
        assertThat(s.process.isAlive()).as("server: %s", s.output()).isTrue();
    }

    private NbdClient connect(String export) throws Exception {
        return NbdClient.connectUnix(socket, export, ClientOptions.defaults());
    }

    private static byte[] pattern(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void flushedAndFuaWritesSurviveSigkill() throws Exception {
        startServer();
        byte[] flushed = pattern(1 << 20, 1);
        byte[] fua = pattern(300_000, 2);
        try (NbdClient c = connect("disk")) {
            assertThat(c.info().canFlush()).isTrue();
            assertThat(c.info().canFua()).isTrue();
            c.write(0, flushed);
            c.flush();
            c.write(5_000_000, ByteBuffer.wrap(fua), CommandFlags.FUA);

            server.kill(); // SIGKILL while the connection is still open
        }

        startServer();
        try (NbdClient c = connect("disk")) {
            assertThat(c.read(0, flushed.length)).isEqualTo(flushed);
            assertThat(c.read(5_000_000, fua.length)).isEqualTo(fua);
        }
    }

    @Test
    void aFlushOnOneConnectionCoversWritesAcknowledgedOnAnotherWhereMultiConnIsAdvertised() throws Exception {
        startServer();
        byte[] data = pattern(200_000, 3);
        try (NbdClient writer = connect("disk"); NbdClient flusher = connect("disk")) {
            assertThat(writer.info().canMultiConn()).isTrue();
            writer.write(1_000_000, data);
            flusher.flush();
            server.kill();
        }

        startServer();
        try (NbdClient c = connect("disk")) {
            assertThat(c.read(1_000_000, data.length)).isEqualTo(data);
        }
    }

    @Test
    void copyOnWriteDoesNotAdvertiseMultiConnBecauseEachConnectionHasItsOwnOverlay() throws Exception {
        startServer();
        byte[] data = pattern(4096, 4);
        try (NbdClient a = connect("overlay"); NbdClient b = connect("overlay")) {
            assertThat(a.info().canMultiConn()).isFalse();
            a.write(0, data);
            a.flush();
            assertThat(a.read(0, 4096)).isEqualTo(data);
            assertThat(b.read(0, 4096)).isNotEqualTo(data); // b's overlay never saw a's write
        }
    }
}
