package io.nbdtk.lab.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostGraphTest {
    static HostSnapshot host(String name, String address, int hazards, Remote... remotes) {
        return new HostSnapshot(name, List.of(address), List.of(10809), hazards, List.of(remotes));
    }

    @Test
    void twoMachinesMountingEachOtherReadWriteFormACycle() {
        HostGraph g = new HostGraph(List.of(
                host("a", "10.0.0.1", 0, new Remote("/mnt/b", "10.0.0.2", 10809)),
                host("b", "10.0.0.2", 0, new Remote("/mnt/a", "10.0.0.1", 10809))));

        assertThat(g.edges()).extracting(HostGraph.Edge::from, HostGraph.Edge::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "b"), org.assertj.core.groups.Tuple.tuple("b", "a"));
        assertThat(g.cycles()).hasSize(1);
        assertThat(g.cycles().get(0)).containsExactlyInAnyOrder("a", "b");
        assertThat(g.toText()).contains("HAZARD cycle of read-write mounts");
    }

    @Test
    void aChainOfMachinesIsNoCycle() {
        HostGraph g = new HostGraph(List.of(
                host("a", "10.0.0.1", 0, new Remote("/mnt/b", "10.0.0.2", 10809)),
                host("b", "10.0.0.2", 0, new Remote("/mnt/c", "10.0.0.3", 10809)),
                host("c", "10.0.0.3", 0)));

        assertThat(g.edges()).hasSize(2);
        assertThat(g.cycles()).isEmpty();
        assertThat(g.toJson()).contains("\"hazard\": false");
    }

    @Test
    void aPortNobodyListensOnIsNoEdgeAndLocalHazardsAreLoopsOfOne() {
        HostGraph g = new HostGraph(List.of(
                host("a", "10.0.0.1", 2, new Remote("/mnt/b", "10.0.0.2", 2049)),
                host("b", "10.0.0.2", 0)));

        assertThat(g.edges()).isEmpty();
        assertThat(g.cycles()).containsExactly(List.of("a"));
    }

    @Test
    void snapshotsSurviveTheirJsonForm() {
        HostSnapshot s = host("a", "10.0.0.1", 1, new Remote("/mnt/x y", "::1", 10809));

        HostSnapshot back = HostSnapshot.parse(s.toJson());

        assertThat(back.host()).isEqualTo("a");
        assertThat(back.addresses()).containsExactly("10.0.0.1");
        assertThat(back.remotes()).containsExactly(new Remote("/mnt/x y", "0:0:0:0:0:0:0:1", 10809));
        assertThat(back.localHazards()).isEqualTo(1);
    }
}
