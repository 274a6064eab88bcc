package io.nbdtk.server.store;

import io.nbdtk.protocol.NbdError;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** FileStore on jimfs: no native descriptor, so every native feature falls back cleanly. */
class FileStoreOnJimfsTest extends BlockStoreContract {
    private FileSystem fs;

    @Override
    BlockStore newStore(long size) throws IOException {
        fs = Jimfs.newFileSystem(Configuration.unix());
        return FileStore.create(fs.getPath("/disk.img"), size);
    }

    @AfterEach
    void closeFs() throws IOException {
        store.close(); // runs before the contract's own close, which then finds it closed
        fs.close();
    }

    @Test
    void without_native_calls_extents_report_data_and_trim_is_not_offered() throws IOException {
        assertThat(store.extents(0, SIZE)).containsExactly(new Extent(SIZE, Extent.DATA));
        assertThat(store.capabilities()).doesNotContain(Capability.TRIM, Capability.EXTENTS)
                .contains(Capability.ZERO, Capability.WRITE);
    }

    @Test
    void jimfs_files_are_served_by_other_threads_not_inline() {
        // jimfs keeps data in memory but behind its own locks: not a memory file system we trust
        assertThat(store.capabilities()).doesNotContain(Capability.INLINE);
    }

    @Test
    void fast_zero_is_refused_when_zeroing_means_writing() throws IOException {
        store.write(0, ByteBuffer.wrap(pattern(4096, 1)), 0);
        assertThatThrownBy(() -> store.zero(0, 4096, BlockStore.FAST_ZERO))
                .extracting(e -> ((StoreException) e).error()).isEqualTo(NbdError.ENOTSUP);
        assertThat(read(0, 4096)).isEqualTo(pattern(4096, 1)); // refused fast zero changes nothing
    }
}
