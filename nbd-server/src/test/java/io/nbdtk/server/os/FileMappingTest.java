package io.nbdtk.server.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.testing.Prerequisites;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A mapping of a real tmpfs file: which ranges it hands out (only wholly allocated ones inside
 * one window), that the bytes sent from it are the file's, and that closing it while a range is
 * in use leaves nothing of the file mapped and makes a late send fail instead of sending junk.
 */
class FileMappingTest {
    private static final long GIB = 1L << 30;
    private Path file;

    @BeforeEach
    void createFile() throws IOException {
        Prerequisites.require(Native.get().available(), "native libc calls: " + Native.get().status());
        Path shm = Path.of("/dev/shm");
        Prerequisites.require(Files.isDirectory(shm) && Files.isWritable(shm), "a writable /dev/shm (tmpfs)");
        file = Files.createTempFile(shm, "nbdtk-map-", ".img");
    }

    @AfterEach
    void deleteFile() throws IOException {
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    /** A sparse file of {@code size} with {@code data} written at {@code offset}. */
    private void sparse(long size, long offset, byte[] data) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
            raf.seek(offset);
            raf.write(data);
        }
    }

    @Test
    void a_wholly_allocated_range_is_sent_as_the_file_holds_it() throws Exception {
        byte[] data = LoopbackPair.pattern(300_000, 3);
        Files.write(file, data);
        try (NativeFile nf = NativeFile.open(file, false).file();
                FileMapping mapping = new FileMapping(nf, data.length);
                LoopbackPair pair = new LoopbackPair();
                SocketSplice out = pair.openSplice()) {
            long address = mapping.acquire(1000, 200_000);
            assertThat(address).isNotZero();
            ByteBuffer header = ByteBuffer.wrap(new byte[] {1, 2, 3, 4});
            byte[][] got = new byte[1][];
            Thread receiver = new Thread(() -> {
                try {
                    got[0] = pair.receive(4 + 200_000);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            receiver.start();
            try {
                out.sendFromMemory(header, address, 200_000);
            } finally {
                mapping.release();
            }
            receiver.join(10_000);
            byte[] expected = new byte[4 + 200_000];
            expected[0] = 1;
            expected[1] = 2;
            expected[2] = 3;
            expected[3] = 4;
            System.arraycopy(data, 1000, expected, 4, 200_000);
            assertThat(got[0]).isEqualTo(expected);
        }
    }

    @Test
    void ranges_with_a_hole_are_refused_and_stay_holes() throws Exception {
        sparse(1 << 20, 64 * 1024, LoopbackPair.pattern(8192, 1)); // two pages of data at 64 KiB
        long before = allocatedBlocks();
        try (NativeFile nf = NativeFile.open(file, false).file(); FileMapping mapping = new FileMapping(nf, 1 << 20)) {
            assertThat(mapping.acquire(0, 4096)).as("all hole").isZero();
            assertThat(mapping.acquire(64 * 1024 - 1, 4096)).as("starts in a hole").isZero();
            assertThat(mapping.acquire(64 * 1024, 12288)).as("ends in a hole").isZero();
            long address = mapping.acquire(64 * 1024 + 10, 8000);
            assertThat(address).as("all data").isNotZero();
            mapping.release();
        }
        assertThat(allocatedBlocks()).as("asking allocated nothing").isEqualTo(before);
    }

    @Test
    void ranges_outside_the_file_or_across_a_window_are_refused() throws Exception {
        byte[] page = LoopbackPair.pattern(8192, 2);
        sparse(2 * GIB, GIB - 4096, page); // one page each side of the first window's end: 8 KiB of memory
        try (NativeFile nf = NativeFile.open(file, false).file(); FileMapping mapping = new FileMapping(nf, 2 * GIB)) {
            assertThat(mapping.acquire(GIB - 4096, 8192)).as("across windows").isZero();
            long before = mapping.acquire(GIB - 4096, 4096);
            assertThat(before).isNotZero();
            mapping.release();
            long after = mapping.acquire(GIB, 4096);
            assertThat(after).isNotZero();
            mapping.release();
            assertThat(mapping.acquire(2 * GIB - 100, 200)).as("past the end").isZero();
            assertThat(mapping.acquire(-4096, 4096)).as("negative").isZero();
            assertThat(mapping.acquire(0, 0)).as("empty").isZero();
        }
    }

    @Test
    void closing_while_a_range_is_in_use_unmaps_the_file_and_a_late_send_fails() throws Exception {
        byte[] data = LoopbackPair.pattern(64 * 1024, 4);
        Files.write(file, data);
        try (NativeFile nf = NativeFile.open(file, false).file();
                LoopbackPair pair = new LoopbackPair();
                SocketSplice out = pair.openSplice()) {
            FileMapping mapping = new FileMapping(nf, data.length);
            long address = mapping.acquire(0, 4096);
            assertThat(address).isNotZero();
            assertThat(mappedHere()).isTrue();
            mapping.close();
            assertThat(mappedHere()).as("file pages no longer mapped").isFalse();
            assertThat(mapping.acquire(0, 4096)).as("closed").isZero();
            assertThatThrownBy(() -> out.sendFromMemory(ByteBuffer.allocate(0), address, 4096))
                    .isInstanceOf(IOException.class).hasMessageContaining("send");
            mapping.release();
        }
    }

    @Test
    void closing_unused_unmaps_the_file() throws Exception {
        Files.write(file, LoopbackPair.pattern(8192, 5));
        try (NativeFile nf = NativeFile.open(file, false).file()) {
            FileMapping mapping = new FileMapping(nf, 8192);
            assertThat(mapping.acquire(0, 8192)).isNotZero();
            mapping.release();
            assertThat(mappedHere()).isTrue();
            mapping.close();
            assertThat(mappedHere()).isFalse();
        }
    }

    /** Whether this process maps the test file (/proc/self/maps names mapped files). */
    private boolean mappedHere() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.endsWith(file.toString()));
    }

    private long allocatedBlocks() throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b", file.toString()).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor()).isZero();
        return Long.parseLong(out);
    }
}
