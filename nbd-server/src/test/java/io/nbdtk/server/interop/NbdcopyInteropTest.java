package io.nbdtk.server.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.NbdServer;
import io.nbdtk.testing.Prerequisites;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * nbdcopy round trips (file -> export -> file) with 1 and 4 connections, over TCP and a Unix socket,
 * to a memory export and a file export (whose reads go through sendfile), compared by checksum.
 */
class NbdcopyInteropTest {
    @TempDir
    Path dir;
    NbdServer server;
    Path nbdcopy;

    @BeforeEach
    void start() throws Exception {
        nbdcopy = Prerequisites.tool("nbdcopy", "libnbd-bin");
        server = InteropServer.start(dir);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @ParameterizedTest
    @CsvSource({"disk,1", "disk,4", "file,1", "file,4"})
    void round_trip_preserves_every_byte(String export, int connections) throws Exception {
        Path source = dir.resolve("source.img");
        byte[] data = new byte[64 << 20];
        Random r = new Random(connections);
        // random data with zero gaps, so sparse detection and data paths both run
        for (int off = 0; off < data.length; off += 1 << 20) {
            if ((off >> 20) % 3 != 0) {
                byte[] chunk = new byte[1 << 20];
                r.nextBytes(chunk);
                System.arraycopy(chunk, 0, data, off, chunk.length);
            }
        }
        Files.write(source, data);
        Path back = dir.resolve("back.img");
        String uri = connections == 1 ? InteropServer.uri(server, export) : InteropServer.unixUri(dir, export);
        Tool.run(120, nbdcopy.toString(), "--connections=" + connections, source.toString(), uri).ok();
        Tool.run(120, nbdcopy.toString(), "--connections=" + connections, uri, back.toString()).ok();
        assertThat(sha256(back)).isEqualTo(sha256(source));
    }
}
