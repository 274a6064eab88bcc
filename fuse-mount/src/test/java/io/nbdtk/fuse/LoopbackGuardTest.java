package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoopbackGuardTest {
    private static final Locality LOCAL = Locality.ofUnixSocket("/tmp/s");
    private static final Locality REMOTE = new Locality(false, "192.0.2.1 is not an address of this machine");

    @Test
    void localReadWriteIsRefusedWithTheHazardAndTheWayOut() {
        String why = LoopbackGuard.refusal(LOCAL, false, false).orElseThrow();
        assertThat(why).contains("Unix socket").contains("deadlock").contains("--readonly").contains("--allow-local-rw");
    }

    @Test
    void readOnlyRemoteAndExplicitlyAllowedMountsGoAhead() {
        assertThat(LoopbackGuard.refusal(LOCAL, true, false)).isEmpty();
        assertThat(LoopbackGuard.refusal(REMOTE, false, false)).isEmpty();
        assertThat(LoopbackGuard.refusal(LOCAL, false, true)).isEmpty();
    }

    @Test
    void mitigationsAreOnlyForLocalReadWrite() {
        assertThat(LoopbackGuard.needed(LOCAL, false)).isTrue();
        assertThat(LoopbackGuard.needed(LOCAL, true)).isFalse();
        assertThat(LoopbackGuard.needed(REMOTE, false)).isFalse();
    }
}
