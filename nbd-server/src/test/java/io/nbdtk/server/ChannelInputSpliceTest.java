package io.nbdtk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.os.FileMapping;
import io.nbdtk.server.os.LoopbackPair;
import io.nbdtk.server.os.Native;
import io.nbdtk.server.os.NativeFile;
import io.nbdtk.server.os.SocketSplice;
import io.nbdtk.server.store.StoreException;
import io.nbdtk.testing.Prerequisites;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A WRITE payload spliced from the socket into a file: the part already buffered and the part
 * still in the socket both land where they belong, and the stream stays in sync when the file
 * refuses them.
 */
class ChannelInputSpliceTest {
    private static final int HEADER = 28;

    @TempDir
    Path dir;

    private LoopbackPair pair;
    private SocketChannel client;
    private SocketChannel served;
    private SocketSplice splice;

    @BeforeEach
    void connect() throws IOException {
        Prerequisites.require(Native.get().available(), "native libc calls: " + Native.get().status());
        pair = new LoopbackPair();
        client = pair.client();
        served = pair.served();
        splice = pair.openSplice();
    }

    @AfterEach
    void disconnect() throws IOException {
        if (splice != null) {
            splice.close();
        }
        if (pair != null) {
            pair.close();
        }
    }

    private static byte[] bytes(int n, int seed) {
        return LoopbackPair.pattern(n, seed);
    }

    /** header, payload, next header: what a client pipelining two requests sends. */
    private Thread send(byte[]... parts) {
        return pair.send(parts);
    }

    @Test
    void buffered_and_socket_bytes_both_land_in_the_file_and_the_next_request_follows() throws Exception {
        Path path = Files.write(dir.resolve("disk"), new byte[4 << 20]);
        byte[] payload = bytes((2 << 20) + 777, 3);
        byte[] next = bytes(HEADER, 99);
        Thread sender = send(bytes(HEADER, 1), payload, next);
        AtomicInteger flushes = new AtomicInteger();
        // a small buffer: the first header's read also buffers the start of the payload
        ChannelInput in = new ChannelInput(served, 64);
        in.beforeRead(flushes::incrementAndGet);
        in.next(HEADER);
        try (NativeFile file = NativeFile.open(path, true).file()) {
            in.spliceTo(splice, file, 65536, payload.length);
        }
        assertThat(in.next(HEADER).get(0)).isEqualTo(next[0]);
        sender.join();

        byte[] disk = Files.readAllBytes(path);
        assertThat(Arrays.copyOfRange(disk, 65536, 65536 + payload.length)).isEqualTo(payload);
        assertThat(disk[65535]).isZero();
        assertThat(disk[65536 + payload.length]).isZero();
        // replies pending in the output are flushed before the reader waits on the socket
        assertThat(flushes.get()).isPositive();
    }

    @Test
    void a_refused_payload_is_consumed_before_the_error_so_the_stream_stays_in_sync() throws Exception {
        Path path = Files.write(dir.resolve("ro"), new byte[1 << 20]);
        byte[] payload = bytes(300_000, 4);
        byte[] next = bytes(HEADER, 42);
        Thread sender = send(bytes(HEADER, 1), payload, next);
        ChannelInput in = new ChannelInput(served, 64);
        in.next(HEADER);
        try (NativeFile readOnly = NativeFile.open(path, false).file()) {
            assertThatThrownBy(() -> in.spliceTo(splice, readOnly, 0, payload.length))
                    .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(NbdError.EIO));
        }
        ByteBuffer header = in.next(HEADER);
        byte[] got = new byte[HEADER];
        header.get(got);
        assertThat(got).isEqualTo(next);
        sender.join();
        assertThat(Files.readAllBytes(path)).containsOnly(0);
    }

    @Test
    void a_peer_that_leaves_mid_payload_is_an_end_of_stream_and_stays_one() throws Exception {
        Path path = Files.write(dir.resolve("disk"), new byte[1 << 20]);
        send(bytes(HEADER, 1), bytes(5000, 2)).join();
        client.close();
        ChannelInput in = new ChannelInput(served, 64);
        in.next(HEADER);
        try (NativeFile file = NativeFile.open(path, true).file()) {
            assertThatThrownBy(() -> in.spliceTo(splice, file, 0, 10_000)).isInstanceOf(EOFException.class);
            assertThatThrownBy(() -> in.next(HEADER)).isInstanceOf(EOFException.class);
            assertThatThrownBy(() -> in.spliceTo(splice, file, 0, 10)).isInstanceOf(EOFException.class);
        }
        // what did arrive was written: a WRITE cut short leaves its range undefined, as the spec allows
        assertThat(Arrays.copyOfRange(Files.readAllBytes(path), 0, 5000)).isEqualTo(bytes(5000, 2));
    }

    /** A new empty file on tmpfs (a mapping of it is what the server receives into); callers delete it. */
    private static Path shmFile() throws IOException {
        Path shm = Path.of("/dev/shm");
        Prerequisites.require(Files.isDirectory(shm) && Files.isWritable(shm), "a writable /dev/shm (tmpfs)");
        return Files.createTempFile(shm, "nbdtk-recv-", ".img");
    }

    @Test
    void a_payload_received_into_a_mapping_lands_in_the_file_and_the_next_request_follows() throws Exception {
        Path path = shmFile();
        try {
            Files.write(path, new byte[4 << 20]);
            byte[] payload = bytes((1 << 20) + 333, 5);
            byte[] next = bytes(HEADER, 98);
            Thread sender = send(bytes(HEADER, 1), payload, next);
            AtomicInteger flushes = new AtomicInteger();
            ChannelInput in = new ChannelInput(served, 64); // the first read buffers the payload's start
            in.beforeRead(flushes::incrementAndGet);
            in.next(HEADER);
            try (NativeFile file = NativeFile.open(path, true).file();
                    FileMapping mapping = new FileMapping(file, 4 << 20, true)) {
                long address = mapping.acquire(4096 + 5, payload.length);
                assertThat(address).isNotZero();
                try {
                    in.receiveInto(splice, address, payload.length);
                } finally {
                    mapping.release();
                }
            }
            assertThat(in.next(HEADER).get(0)).isEqualTo(next[0]);
            sender.join();
            byte[] disk = Files.readAllBytes(path);
            assertThat(Arrays.copyOfRange(disk, 4096 + 5, 4096 + 5 + payload.length)).isEqualTo(payload);
            assertThat(disk[4096 + 4]).isZero();
            assertThat(disk[4096 + 5 + payload.length]).isZero();
            assertThat(flushes.get()).isPositive();
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void a_peer_that_leaves_while_a_mapping_receives_is_an_end_of_stream() throws Exception {
        Path path = shmFile();
        try {
            Files.write(path, new byte[1 << 20]);
            send(bytes(HEADER, 1), bytes(5000, 2)).join();
            client.close();
            ChannelInput in = new ChannelInput(served, 64);
            in.next(HEADER);
            try (NativeFile file = NativeFile.open(path, true).file();
                    FileMapping mapping = new FileMapping(file, 1 << 20, true)) {
                long address = mapping.acquire(0, 10_000);
                try {
                    assertThatThrownBy(() -> in.receiveInto(splice, address, 10_000)).isInstanceOf(EOFException.class);
                } finally {
                    mapping.release();
                }
                assertThatThrownBy(() -> in.next(HEADER)).isInstanceOf(EOFException.class);
            }
            assertThat(Arrays.copyOfRange(Files.readAllBytes(path), 0, 5000)).isEqualTo(bytes(5000, 2));
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void a_payload_read_through_the_pipe_fills_the_buffers_in_order_and_the_next_request_follows() throws Exception {
        byte[] payload = bytes((3 << 20) + 12345, 6); // more than the 1 MiB pipe holds
        byte[] next = bytes(HEADER, 97);
        Thread sender = send(bytes(HEADER, 1), payload, next);
        AtomicInteger flushes = new AtomicInteger();
        ChannelInput in = new ChannelInput(served, 64); // the first read buffers the payload's start
        in.beforeRead(flushes::incrementAndGet);
        in.next(HEADER);
        int slice = 64 * 1024 + 7; // buffer boundaries that fall anywhere in a pipe load
        int count = (payload.length + slice - 1) / slice;
        ByteBuffer[] dsts = new ByteBuffer[count];
        for (int k = 0; k < count; k++) {
            dsts[k] = ByteBuffer.allocateDirect(Math.min(slice, payload.length - k * slice));
        }
        in.readFullyThroughPipe(splice, dsts, count);
        assertThat(in.next(HEADER).get(0)).isEqualTo(next[0]);
        sender.join();
        ByteBuffer all = ByteBuffer.allocate(payload.length);
        for (ByteBuffer d : dsts) {
            assertThat(d.hasRemaining()).isFalse();
            all.put(d.flip());
        }
        assertThat(all.array()).isEqualTo(payload);
        assertThat(flushes.get()).isPositive();
    }

    @Test
    void a_peer_that_leaves_while_the_pipe_is_read_is_an_end_of_stream() throws Exception {
        send(bytes(HEADER, 1), bytes(5000, 2)).join();
        client.close();
        ChannelInput in = new ChannelInput(served, 64);
        in.next(HEADER);
        ByteBuffer[] dsts = {ByteBuffer.allocateDirect(6000), ByteBuffer.allocateDirect(4000)};
        assertThatThrownBy(() -> in.readFullyThroughPipe(splice, dsts, 2)).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> in.next(HEADER)).isInstanceOf(EOFException.class);
        byte[] got = new byte[5000];
        dsts[0].flip().get(got);
        assertThat(got).isEqualTo(bytes(5000, 2)); // what arrived is in place, as for a torn write
    }
}
