package io.nbdtk.server.acl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {
    @Test
    void unlimitedByDefault() {
        ConnectionLimits limits = new ConnectionLimits(OptionalInt.empty());

        for (int i = 0; i < 100; i++) {
            assertThat(limits.acceptConnection()).isPresent();
            assertThat(limits.useExport("a", OptionalInt.empty())).isPresent();
        }
        assertThat(limits.serverConnections()).isEqualTo(100);
    }

    @Test
    void serverLimitRefusesTheNextConnectionUntilOneCloses() {
        ConnectionLimits limits = new ConnectionLimits(OptionalInt.of(2));
        ConnectionLimits.Permit first = limits.acceptConnection().orElseThrow();
        limits.acceptConnection().orElseThrow();

        assertThat(limits.acceptConnection()).isEmpty();
        first.close();
        assertThat(limits.acceptConnection()).isPresent();
    }

    @Test
    void exportLimitsAreCountedPerExport() {
        ConnectionLimits limits = new ConnectionLimits(OptionalInt.empty());
        OptionalInt one = OptionalInt.of(1);
        Optional<ConnectionLimits.Permit> a = limits.useExport("a", one);

        assertThat(a).isPresent();
        assertThat(limits.useExport("a", one)).isEmpty();
        assertThat(limits.useExport("b", one)).isPresent();
    }

    @Test
    void aSlotIsReleasedExactlyOnceEvenIfClosedTwice() {
        // Reference issue #126: with maxconnections=1 a slot was never given back.
        ConnectionLimits limits = new ConnectionLimits(OptionalInt.empty());
        OptionalInt two = OptionalInt.of(2);
        ConnectionLimits.Permit p = limits.useExport("a", two).orElseThrow();
        limits.useExport("a", two).orElseThrow();

        p.close();
        p.close();
        assertThat(limits.exportConnections("a")).isEqualTo(1);
        assertThat(limits.useExport("a", two)).isPresent();
        assertThat(limits.useExport("a", two)).isEmpty();
    }
}
