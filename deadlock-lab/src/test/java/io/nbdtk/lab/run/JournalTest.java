package io.nbdtk.lab.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir
    Path dir;

    @Test
    void entriesAreReadBackInOrder() throws Exception {
        Path file = dir.resolve("state/run-1.journal");
        try (Journal j = Journal.create(file)) {
            j.record(Journal.OWNER, 42, 1234L);
            j.record(Journal.LOOP, "/dev/loop3", "/var/tmp/a b/disk");
        }

        assertThat(Journal.read(file)).containsExactly(new Journal.Entry("owner", java.util.List.of("42", "1234")),
                new Journal.Entry("loop", java.util.List.of("/dev/loop3", "/var/tmp/a b/disk")));
    }

    @Test
    void refusesFieldsThatWouldBreakTheFormat() throws Exception {
        try (Journal j = Journal.create(dir.resolve("x.journal"))) {
            assertThatThrownBy(() -> j.record(Journal.MOUNT, "/a\tb")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void neverOverwritesAnExistingJournal() throws Exception {
        Journal.create(dir.resolve("y.journal")).close();

        assertThatThrownBy(() -> Journal.create(dir.resolve("y.journal"))).isInstanceOf(java.io.IOException.class);
    }
}
