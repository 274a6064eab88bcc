package io.nbdtk.server.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.store.StoreException;
import io.nbdtk.testing.Prerequisites;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** splice(2) from a real loopback socket into a real file, and what happens when the file refuses. */
class SocketSpliceTest {
    @TempDir
    Path dir;

    private LoopbackPair pair;
    private SocketChannel client;

    @BeforeEach
    void connect() throws IOException {
        Prerequisites.require(Native.get().available(), "native libc calls: " + Native.get().status());
        pair = new LoopbackPair();
        client = pair.client();
    }

    @AfterEach
    void disconnect() throws IOException {
        if (pair != null) {
            pair.close();
        }
    }

    private SocketSplice openSplice() {
        return pair.openSplice();
    }

    private static byte[] pattern(int n, int seed) {
        return LoopbackPair.pattern(n, seed);
    }

    private Thread send(byte[] bytes) {
        return pair.send(bytes);
    }

    private static void moveAll(SocketSplice splice, NativeFile file, long offset, long length) throws IOException {
        long left = length;
        long pos = offset;
        while (left > 0) {
            long n = splice.fromSocket(left);
            assertThat(n).isPositive();
            splice.toFile(file, pos, n);
            pos += n;
            left -= n;
        }
    }

    @Test
    void bytes_from_the_socket_land_in_the_file_at_the_offset() throws Exception {
        Path path = Files.write(dir.resolve("disk"), new byte[4 << 20]);
        byte[] payload = pattern(3 << 20, 5);
        try (SocketSplice splice = openSplice(); NativeFile file = NativeFile.open(path, true).file()) {
            assertThat(splice.capacity()).isPositive();
            Thread sender = send(payload);
            moveAll(splice, file, 12345, payload.length);
            sender.join();
        }
        byte[] disk = Files.readAllBytes(path);
        assertThat(Arrays.copyOfRange(disk, 12345, 12345 + payload.length)).isEqualTo(payload);
        assertThat(Arrays.copyOfRange(disk, 0, 12345)).containsOnly(0);
    }

    @Test
    void the_end_of_the_stream_is_zero_bytes() throws IOException {
        try (SocketSplice splice = openSplice()) {
            client.close();
            assertThat(splice.fromSocket(1000)).isZero();
        }
    }

    @Test
    void a_file_that_refuses_the_bytes_is_an_error_and_the_pipe_is_emptied() throws Exception {
        Path readOnly = Files.write(dir.resolve("ro"), new byte[1 << 20]);
        Path writable = Files.write(dir.resolve("rw"), new byte[1 << 20]);
        byte[] first = pattern(100_000, 1);
        byte[] second = pattern(50_000, 2);
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        try (SocketSplice splice = openSplice();
                NativeFile ro = NativeFile.open(readOnly, false).file();
                NativeFile rw = NativeFile.open(writable, true).file()) {
            Thread sender = send(both);
            long got = 0;
            while (got < first.length) {
                long n = splice.fromSocket(first.length - got);
                long at = got;
                assertThatThrownBy(() -> splice.toFile(ro, at, n))
                        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(NbdError.EIO))
                        .hasMessageContaining("splice into the file");
                got += n;
            }
            // nothing of the refused bytes is left in the pipe: the next bytes are the second part's
            moveAll(splice, rw, 0, second.length);
            sender.join();
        }
        assertThat(Arrays.copyOfRange(Files.readAllBytes(writable), 0, second.length)).isEqualTo(second);
        assertThat(Files.readAllBytes(readOnly)).containsOnly(0);
    }

    private byte[] receive(int n) throws IOException {
        return pair.receive(n);
    }

    @Test
    void file_pages_follow_the_header_to_the_socket() throws Exception {
        byte[] disk = pattern(5 << 20, 11);
        Path path = Files.write(dir.resolve("disk"), disk);
        byte[] header = pattern(16, 77);
        int offset = 4096 + 13;
        int length = (3 << 20) + 5; // more than the pipe holds: several rounds
        byte[][] got = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                got[0] = receive(16 + length);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        reader.start();
        try (SocketSplice splice = openSplice(); NativeFile file = NativeFile.open(path, false).file()) {
            ByteBuffer h = ByteBuffer.wrap(header);
            splice.fileToSocket(file, offset, length, h);
        }
        reader.join(30_000);
        assertThat(got[0]).isNotNull();
        assertThat(Arrays.copyOfRange(got[0], 0, 16)).isEqualTo(header);
        assertThat(Arrays.copyOfRange(got[0], 16, 16 + length)).isEqualTo(Arrays.copyOfRange(disk, offset, offset + length));
    }

    @Test
    void a_file_that_cannot_be_read_sends_nothing_not_even_the_header() throws Exception {
        Path path = Files.write(dir.resolve("short"), new byte[4096]);
        try (SocketSplice splice = openSplice(); NativeFile file = NativeFile.open(path, false).file()) {
            // past the end of the file: the store's range check normally prevents this
            assertThatThrownBy(() -> splice.fileToSocket(file, 8192, 4096, ByteBuffer.wrap(new byte[16])))
                    .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(NbdError.EIO));
            // the stream is intact: the next message is the first thing the peer sees
            splice.fileToSocket(file, 0, 100, ByteBuffer.wrap(pattern(16, 3)));
        }
        assertThat(receive(16)).isEqualTo(pattern(16, 3));
        assertThat(receive(100)).containsOnly(0);
    }

    @Test
    void errors_map_to_what_the_client_understands() {
        assertThat(SocketSplice.errorOf(28)).isEqualTo(NbdError.ENOSPC); // ENOSPC
        assertThat(SocketSplice.errorOf(122)).isEqualTo(NbdError.ENOSPC); // EDQUOT
        assertThat(SocketSplice.errorOf(27)).isEqualTo(NbdError.ENOSPC); // EFBIG
        assertThat(SocketSplice.errorOf(30)).isEqualTo(NbdError.EPERM); // EROFS
        assertThat(SocketSplice.errorOf(5)).isEqualTo(NbdError.EIO);
    }

    @Test
    void a_channel_without_a_descriptor_gets_a_reason_not_a_splice() {
        Channel foreign = new Channel() {
            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {}
        };
        SocketSplice.Result r = SocketSplice.open(foreign);
        assertThat(r.get()).isEmpty();
        assertThat(r.status()).contains("unavailable").contains("not a JDK selectable channel");
    }

    @Test
    void pwrite_writes_from_the_buffers_position() throws IOException {
        Path path = Files.write(dir.resolve("p"), new byte[8192]);
        byte[] bytes = pattern(1000, 9);
        ByteBuffer src = ByteBuffer.allocateDirect(1000).put(bytes).flip().position(100);
        try (NativeFile file = NativeFile.open(path, true).file()) {
            file.pwriteFully(src, 4000);
            assertThat(src.hasRemaining()).isFalse();
            assertThatThrownBy(() -> file.pwriteFully(ByteBuffer.allocate(10), 0))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        byte[] disk = Files.readAllBytes(path);
        assertThat(Arrays.copyOfRange(disk, 4000, 4900)).isEqualTo(Arrays.copyOfRange(bytes, 100, 1000));
        assertThat(disk[3999]).isZero();
        assertThat(disk[4900]).isZero();
    }
}
