package io.nbdtk.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.os.LoopbackPair;
import io.nbdtk.server.os.Native;
import io.nbdtk.server.os.NativeFile;
import io.nbdtk.server.os.SocketSplice;
import io.nbdtk.testing.Prerequisites;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a tmpfs file export takes in WRITE payloads: a lone writer has the file system splice
 * them in; while another payload is under way, one whose pages all exist goes into the file's
 * mapping (no inode lock), and one that needs pages allocated still goes to the file system.
 */
class FileStoreMappedWritesTest {
    private static final int KIB = 1024;
    private Path file;
    private FileStore store;

    @BeforeEach
    void open() throws IOException {
        Path shm = Path.of("/dev/shm");
        Prerequisites.require(Files.isDirectory(shm) && Files.isWritable(shm), "a writable /dev/shm (tmpfs)");
        Prerequisites.require(Native.get().available(), "native libc calls: " + Native.get().status());
        file = Files.createTempFile(shm, "nbdtk-mapped-writes-", ".img");
        store = FileStore.create(file, 1024 * KIB);
        store.write(0, ByteBuffer.wrap(new byte[64 * KIB]), 0); // [0, 64 KiB) allocated, the rest holes
    }

    @AfterEach
    void close() throws IOException {
        if (store != null) {
            store.close();
        }
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    /** Records which way the store took the payload, and writes {@code data} that way. */
    private static class Source implements PayloadSource {
        final byte[] data;
        volatile String used;

        Source(byte[] data) {
            this.data = data;
        }

        @Override
        public void readFully(ByteBuffer[] dsts, int count) {
            throw new AssertionError("a file store does not ask for buffers");
        }

        @Override
        public void spliceTo(NativeFile f, long offset, int length) throws IOException {
            used = "splice";
            f.pwriteFully(direct(), offset);
        }

        @Override
        public void receiveInto(long address, int length) {
            used = "mapping";
            SocketSplice.copyToMemory(direct(), address);
        }

        ByteBuffer direct() {
            return ByteBuffer.allocateDirect(data.length).put(data).flip();
        }
    }

    private byte[] read(long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        store.read(offset, b);
        return b.array();
    }

    @Test
    void a_lone_writer_splices() throws IOException {
        byte[] data = LoopbackPair.pattern(4 * KIB, 1);
        Source s = new Source(data);
        store.transferFrom(8 * KIB, data.length, s, 0);
        assertThat(s.used).isEqualTo("splice");
        assertThat(read(8 * KIB, data.length)).isEqualTo(data);
    }

    @Test
    void beside_another_payload_allocated_pages_take_the_mapping_and_holes_the_file_system() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        Source slow = new Source(LoopbackPair.pattern(4 * KIB, 2)) {
            @Override
            public void spliceTo(NativeFile f, long offset, int length) throws IOException {
                entered.countDown();
                try {
                    proceed.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.spliceTo(f, offset, length);
            }
        };
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
            try {
                store.transferFrom(512 * KIB, 4 * KIB, slow, 0);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        try {
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            byte[] allocated = LoopbackPair.pattern(12 * KIB, 3);
            Source mapped = new Source(allocated);
            store.transferFrom(4 * KIB + 5, allocated.length, mapped, 0);
            assertThat(mapped.used).isEqualTo("mapping");
            assertThat(read(4 * KIB + 5, allocated.length)).isEqualTo(allocated);

            byte[] inHole = LoopbackPair.pattern(8 * KIB, 4);
            Source spliced = new Source(inHole);
            store.transferFrom(60 * KIB, inHole.length, spliced, 0); // half in the allocated part, half hole
            assertThat(spliced.used).isEqualTo("splice");
            assertThat(read(60 * KIB, inHole.length)).isEqualTo(inHole);
        } finally {
            proceed.countDown();
        }
        first.get(10, TimeUnit.SECONDS);
        assertThat(read(512 * KIB, 4 * KIB)).isEqualTo(LoopbackPair.pattern(4 * KIB, 2));
    }
}
