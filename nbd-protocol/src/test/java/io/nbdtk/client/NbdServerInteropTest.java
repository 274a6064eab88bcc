package io.nbdtk.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.testing.Prerequisites;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against the C reference nbd-server 3.24, which has no structured replies: the client
 * must fall back to simple replies cleanly. The server runs in the foreground ({@code -d}), which
 * serves one client at a time, so each test uses one connection per server.
 */
class NbdServerInteropTest {
    @TempDir
    Path dir;

    private PeerServer nbdServer() throws Exception {
        Path bin = Prerequisites.tool("nbd-server", "nbd-server");
        Path image = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(16 << 20);
        }
        Path sock = dir.resolve("nbd-server.sock");
        Path config = dir.resolve("config");
        Files.writeString(config, "[generic]\n"
                + "unixsock = " + sock + "\n"
                + "allowlist = true\n"
                + "[disk]\n"
                + "exportname = " + image + "\n"
                + "flush = true\n"
                + "fua = true\n"
                + "trim = true\n");
        return PeerServer.start(sock, List.of(bin.toString(), "-d", "-C", config.toString()));
    }

    @Test
    void fallsBackToSimpleRepliesAndRoundTripsData() throws Exception {
        try (PeerServer s = nbdServer();
                NbdClient nbd = NbdClient.connect(s.uri("disk"), ClientOptions.defaults())) {
            ExportInfo info = nbd.info();
            assertThat(info.structuredReplies()).isFalse();
            assertThat(info.extendedHeaders()).isFalse();
            assertThat(info.size()).isEqualTo(16 << 20);
            assertThat(info.canFlush()).isTrue();
            assertThat(info.canFua()).isTrue();
            assertThat(info.canTrim()).isTrue();
            byte[] data = new byte[1 << 20];
            new Random(3).nextBytes(data);
            nbd.write(8192, data);
            nbd.write(0, java.nio.ByteBuffer.wrap(new byte[] {1, 2}), io.nbdtk.protocol.CommandFlags.FUA);
            nbd.flush();
            assertThat(nbd.read(8192, data.length)).isEqualTo(data);
            assertThat(nbd.read(0, 2)).containsExactly(1, 2);
            assertThatThrownBy(() -> nbd.blockStatus(0, 4096, 0)).isInstanceOf(NbdUnsupportedException.class);
            assertThatThrownBy(() -> nbd.cache(0, 4096)).isInstanceOf(NbdUnsupportedException.class)
                    .hasMessageContaining("SEND_CACHE");
        }
    }
}
