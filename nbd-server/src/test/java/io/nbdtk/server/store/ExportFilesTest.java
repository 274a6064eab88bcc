package io.nbdtk.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportFilesTest {
    @TempDir
    Path dir;

    @Test
    void filesizeCreatesAMissingFileOfThatSize() throws IOException {
        Path f = dir.resolve("new.img");

        ExportFiles.ensureSize(f, 1 << 20);

        assertThat(Files.size(f)).isEqualTo(1 << 20);
    }

    @Test
    void filesizeExtendsAShorterFileKeepingItsData() throws IOException {
        Path f = dir.resolve("short.img");
        Files.write(f, new byte[] {1, 2, 3});

        ExportFiles.ensureSize(f, 8192);

        byte[] all = Files.readAllBytes(f);
        assertThat(all).hasSize(8192);
        assertThat(all[0]).isEqualTo((byte) 1);
        assertThat(all[2]).isEqualTo((byte) 3);
        assertThat(java.util.Arrays.copyOfRange(all, 3, 8192)).containsOnly(0);
    }

    @Test
    void aLargerFileIsRefusedNotTruncated() throws IOException {
        Path f = dir.resolve("long.img");
        Files.write(f, new byte[10_000]);

        assertThatThrownBy(() -> ExportFiles.ensureSize(f, 4096)).hasMessageContaining("does not truncate");
        assertThat(Files.size(f)).isEqualTo(10_000);
    }

    @Test
    void temporaryGivesAFreshZeroedFileThatLeavesNothingBehind() throws IOException {
        Path template = dir.resolve("scratch");
        try (FileStore a = ExportFiles.temporary(template, 1 << 20);
                FileStore b = ExportFiles.temporary(template, 1 << 20)) {
            a.write(0, ByteBuffer.wrap(new byte[] {42}), 0);
            ByteBuffer got = ByteBuffer.allocate(1);
            b.read(0, got);
            assertThat(got.get(0)).isZero();
            assertThat(a.size()).isEqualTo(1 << 20);
            try (var listing = Files.list(dir)) {
                assertThat(listing).isEmpty(); // unlinked while open
            }
        }
    }
}
