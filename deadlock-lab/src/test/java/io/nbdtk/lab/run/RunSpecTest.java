package io.nbdtk.lab.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RunSpecTest {
    static RunSpec spec(long limitMiB, long writeMiB, long deadline, long stall) {
        return new RunSpec(Scenario.LOOP_EXT4, new PeerStack(), Set.of(), limitMiB << 20, 1024L << 20, writeMiB << 20,
                Duration.ofSeconds(deadline), Duration.ofSeconds(stall), Path.of("/w"), Path.of("/s"));
    }

    @Test
    void everyRunIsBounded() {
        assertThatThrownBy(() -> spec(128, 600, 301, 8)).hasMessageContaining("deadline");
        assertThatThrownBy(() -> spec(16, 600, 60, 8)).hasMessageContaining("MiB");
        assertThatThrownBy(() -> spec(128, 9000, 60, 8)).hasMessageContaining("write size");
        assertThatThrownBy(() -> spec(128, 600, 8, 8)).hasMessageContaining("stall window");
        assertThat(spec(128, 600, 60, 8).imageBytes()).isEqualTo(1L << 30);
        assertThat(spec(128, 2000, 60, 8).imageBytes()).isEqualTo(2256L << 20);
    }

    @Test
    void mitigationsParseAsACommaList() {
        assertThat(Mitigation.parse("none")).isEmpty();
        assertThat(Mitigation.parse("separate-cgroup,loop-dio"))
                .isEqualTo(EnumSet.of(Mitigation.SEPARATE_CGROUP, Mitigation.LOOP_DIRECT_IO));
        assertThatThrownBy(() -> Mitigation.parse("magic")).hasMessageContaining("unknown mitigation 'magic'");
        assertThat(Mitigation.describe(EnumSet.of(Mitigation.MLOCKALL, Mitigation.IO_FLUSHER)))
                .isEqualTo("mlockall,io-flusher");
    }

    @Test
    void peerStackLocksOnlyTheServerAndCannotDoFuseDirectIo() {
        PeerStack s = new PeerStack();

        assertThat(s.serverCommand(Path.of("/w/img"), Path.of("/w/sock"), Set.of(Mitigation.MLOCKALL)))
                .containsExactly("nbdkit", "-f", "-U", "/w/sock", "--swap", "file", "/w/img");
        assertThat(s.unsupported(Set.of(Mitigation.FUSE_DIRECT_IO))).isPresent();
        assertThat(s.unsupported(Set.of(Mitigation.SEPARATE_CGROUP, Mitigation.MLOCKALL))).isEmpty();
    }
}
