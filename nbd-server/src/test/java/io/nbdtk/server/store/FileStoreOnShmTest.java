package io.nbdtk.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.os.Native;
import io.nbdtk.testing.Prerequisites;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FileStore on tmpfs (/dev/shm), which supports hole punching and SEEK_DATA/SEEK_HOLE: TRIM and
 * WRITE_ZEROES really free space and block status sees the holes.
 */
class FileStoreOnShmTest extends BlockStoreContract {
    private Path file;

    @Override
    BlockStore newStore(long size) throws IOException {
        Path shm = Path.of("/dev/shm");
        Prerequisites.require(Files.isDirectory(shm) && Files.isWritable(shm), "a writable /dev/shm (tmpfs)");
        Prerequisites.require(Native.get().available(), "native libc calls: " + Native.get().status());
        file = Files.createTempFile(shm, "nbdtk-filestore-", ".img");
        return FileStore.create(file, size);
    }

    @AfterEach
    void deleteFile() throws IOException {
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void files_on_tmpfs_are_served_inline_like_memory() {
        assertThat(store.capabilities()).contains(Capability.INLINE);
        assertThat(FileStore.onMemoryFileSystem(file)).isTrue();
    }

    @Test
    void block_status_sees_written_data_between_holes() throws IOException {
        store.write(256 * 1024, ByteBuffer.wrap(pattern(64 * 1024, 1)), 0);
        assertThat(store.capabilities()).contains(Capability.TRIM, Capability.EXTENTS);
        assertThat(store.extents(0, SIZE)).containsExactly(
                new Extent(256 * 1024, Extent.HOLE_ZERO),
                new Extent(64 * 1024, Extent.DATA),
                new Extent(SIZE - 320 * 1024, Extent.HOLE_ZERO));
    }

    @Test
    void trim_punches_holes() throws IOException {
        store.write(0, ByteBuffer.wrap(pattern((int) SIZE, 2)), BlockStore.FUA);
        assertThat(store.extents(0, SIZE)).containsExactly(new Extent(SIZE, Extent.DATA));
        store.trim(0, SIZE / 2, 0);
        // SEEK_HOLE only reports deallocated ranges as holes on tmpfs
        assertThat(store.extents(0, SIZE).get(0)).isEqualTo(new Extent(SIZE / 2, Extent.HOLE_ZERO));
    }

    @Test
    void zero_without_no_hole_is_fast_and_punches() throws IOException {
        store.write(0, ByteBuffer.wrap(pattern(65536, 3)), 0);
        store.zero(0, 65536, BlockStore.FAST_ZERO);
        assertThat(read(0, 65536)).containsOnly(0);
        assertThat(store.extents(0, 65536)).containsExactly(new Extent(65536, Extent.HOLE_ZERO));
    }
}
