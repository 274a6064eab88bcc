package io.nbdtk.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The append-and-map overlay (the reference's default copyonwrite layout). */
class CopyOnWriteStoreTest extends BlockStoreContract {
    FileSystem fs;
    Path baseFile;
    Path cowDir;

    boolean sparse() {
        return false;
    }

    @Override
    BlockStore newStore(long size) throws IOException {
        fs = Jimfs.newFileSystem(Configuration.unix());
        baseFile = fs.getPath("/srv/base.img");
        cowDir = fs.getPath("/var/cow");
        Files.createDirectories(baseFile.getParent());
        Files.createDirectories(cowDir);
        byte[] base = pattern((int) size, 99);
        Files.write(baseFile, base);
        // The contract expects a fresh store to read zeros: zero it through the overlay.
        BlockStore s = overlay();
        s.zero(0, size, 0);
        return s;
    }

    BlockStore overlay() throws IOException {
        return CopyOnWriteStore.open(FileStore.open(baseFile, false), cowDir, "base.img", sparse());
    }

    @AfterEach
    void closeFs() throws IOException {
        store.close();
        fs.close();
    }

    @Test
    void theBaseFileIsNeverWritten() throws IOException {
        byte[] before = Files.readAllBytes(baseFile);

        store.write(1000, ByteBuffer.wrap(pattern(100_000, 7)), BlockStore.FUA);
        store.zero(200_000, 50_000, 0);
        store.trim(0, SIZE, 0);
        store.flush();

        assertThat(Files.readAllBytes(baseFile)).isEqualTo(before);
    }

    @Test
    void unwrittenBytesComeFromTheBaseIncludingTheRestOfAPartlyWrittenBlock() throws IOException {
        try (BlockStore cow = overlay()) {
            byte[] base = Files.readAllBytes(baseFile);
            cow.write(4096 + 10, ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);

            ByteBuffer got = ByteBuffer.allocate(3 * 4096);
            cow.read(4096, got);
            byte[] expected = java.util.Arrays.copyOfRange(base, 4096, 4 * 4096);
            expected[10] = 1;
            expected[11] = 2;
            expected[12] = 3;
            assertThat(got.array()).isEqualTo(expected);
        }
    }

    @Test
    void eachOverlayIsPrivateToItsConnection() throws IOException {
        try (BlockStore a = overlay(); BlockStore b = overlay()) {
            a.write(0, ByteBuffer.wrap(pattern(8192, 1)), 0);
            ByteBuffer fromB = ByteBuffer.allocate(8192);
            b.read(0, fromB);
            assertThat(fromB.array()).isEqualTo(java.util.Arrays.copyOf(Files.readAllBytes(baseFile), 8192));
        }
    }

    @Test
    void writesDoNotSurviveTheOverlay() throws IOException {
        try (BlockStore cow = overlay()) {
            cow.write(0, ByteBuffer.wrap(pattern(4096, 3)), 0);
        }
        try (BlockStore again = overlay()) {
            ByteBuffer got = ByteBuffer.allocate(4096);
            again.read(0, got);
            assertThat(got.array()).isEqualTo(java.util.Arrays.copyOf(Files.readAllBytes(baseFile), 4096));
        }
    }

    @Test
    void theDiffFileIsUnlinkedWhileInUse() throws IOException {
        store.write(0, ByteBuffer.wrap(pattern(65536, 4)), 0);

        try (var listing = Files.list(cowDir)) {
            assertThat(listing).isEmpty();
        }
    }

    @Test
    void advertisesNeitherMultiConnNorTrim() {
        assertThat(store.capabilities()).contains(Capability.WRITE, Capability.FLUSH, Capability.FUA)
                .doesNotContain(Capability.MULTI_CONN, Capability.TRIM, Capability.TRANSFER_TO);
    }

    @Test
    void rewritingAndZeroingTheSameBlocksKeepsTheLatestContents() throws IOException {
        store.write(4096, ByteBuffer.wrap(pattern(4096, 5)), 0);
        store.zero(4096, 4096, 0);
        store.write(4096 + 100, ByteBuffer.wrap(new byte[] {9}), 0);
        store.write(8192, ByteBuffer.wrap(pattern(4096, 6)), 0);
        store.write(8192, ByteBuffer.wrap(pattern(10, 8)), 0);

        byte[] block1 = read(4096, 4096);
        assertThat(block1[100]).isEqualTo((byte) 9);
        block1[100] = 0;
        assertThat(block1).containsOnly(0);
        byte[] expected = pattern(4096, 6);
        System.arraycopy(pattern(10, 8), 0, expected, 0, 10);
        assertThat(read(8192, 4096)).isEqualTo(expected);
    }

    @Test
    void aSizeThatIsNotAMultipleOfTheBlockSizeWorksUpToTheLastByte() throws IOException {
        Path odd = fs.getPath("/srv/odd.img");
        Files.write(odd, pattern(10_000, 11));
        try (BlockStore cow = CopyOnWriteStore.open(FileStore.open(odd, false), cowDir, "odd", sparse())) {
            assertThat(cow.size()).isEqualTo(10_000);
            cow.write(9_990, ByteBuffer.wrap(pattern(10, 12)), 0);
            cow.zero(8192, 100, 0);
            ByteBuffer tail = ByteBuffer.allocate(10_000 - 8192);
            cow.read(8192, tail);
            byte[] expected = java.util.Arrays.copyOfRange(pattern(10_000, 11), 8192, 10_000);
            java.util.Arrays.fill(expected, 0, 100, (byte) 0);
            System.arraycopy(pattern(10, 12), 0, expected, 9_990 - 8192, 10);
            assertThat(tail.array()).isEqualTo(expected);
        }
    }
}
