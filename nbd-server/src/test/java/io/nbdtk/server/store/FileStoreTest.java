package io.nbdtk.server.store;

import io.nbdtk.protocol.NbdError;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.server.os.Native;
import io.nbdtk.testing.Prerequisites;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FileStore on a real temporary file of the default file system (usually ext4/xfs/overlay). */
class FileStoreTest extends BlockStoreContract {
    @TempDir
    Path dir;

    @Override
    BlockStore newStore(long size) throws IOException {
        return FileStore.create(dir.resolve("disk.img"), size);
    }

    @Test
    void reads_take_the_pread_path_and_many_connections_may_share_the_file() {
        // sendfile was measured slower than pread plus a gathered write (FileStore.capabilities)
        assertThat(store.capabilities()).contains(Capability.MULTI_CONN).doesNotContain(Capability.TRANSFER_TO);
    }

    @Test
    void data_survives_close_and_reopen() throws IOException {
        byte[] data = pattern(8192, 8);
        store.write(40960, ByteBuffer.wrap(data), BlockStore.FUA);
        store.close();
        store = FileStore.open(dir.resolve("disk.img"), false);
        assertThat(read(40960, 8192)).isEqualTo(data);
    }

    @Test
    void read_only_files_refuse_writes_and_advertise_no_write_capabilities() throws IOException {
        store.close();
        store = FileStore.open(dir.resolve("disk.img"), false);
        assertThat(store.capabilities()).doesNotContain(Capability.WRITE, Capability.TRIM, Capability.ZERO);
        assertThatThrownBy(() -> store.write(0, ByteBuffer.allocate(1), 0))
                .extracting(e -> ((StoreException) e).error()).isEqualTo(NbdError.EPERM);
    }

    @Test
    void native_calls_are_available_on_linux() {
        Prerequisites.require(Native.get().available(), "jnr-ffi libc binding: " + Native.get().status());
        assertThat(Native.get().status()).isEqualTo("available");
    }

    @AfterEach
    void noLeftovers() throws IOException {
        store.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
        }
    }
}
