package io.nbdtk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.client.BlockStatus;
import io.nbdtk.client.ClientOptions;
import io.nbdtk.client.ExportInfo;
import io.nbdtk.client.NbdClient;
import io.nbdtk.client.NbdUnsupportedException;
import io.nbdtk.protocol.BaseAllocation;
import io.nbdtk.protocol.CommandFlags;
import io.nbdtk.protocol.Extent;
import io.nbdtk.protocol.NbdUri;
import io.nbdtk.protocol.ServerEntry;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nbdtk's own client (io.nbdtk.client, module nbd-protocol) against nbdtk's own server: every
 * feature both sides have, extended headers included. Lives here because nbd-protocol cannot
 * depend on nbd-server.
 */
class JavaClientInteropTest {
    @TempDir
    Path dir;

    private static NbdClient connect(NbdServer s, String export, ClientOptions o) throws Exception {
        return NbdClient.connectTcp(s.tcpAddress().getHostString(), s.tcpAddress().getPort(), export, o);
    }

    @Test
    void negotiatesExtendedHeadersBlockSizesAndContexts() throws Exception {
        try (NbdServer s = ServerFixture.standard();
                NbdClient nbd = connect(s, "disk", ClientOptions.defaults())) {
            ExportInfo info = nbd.info();
            assertThat(info.extendedHeaders()).isTrue();
            assertThat(info.structuredReplies()).isTrue();
            assertThat(info.size()).isEqualTo(1 << 20);
            assertThat(info.description()).isEqualTo("scratch disk");
            assertThat(info.blockSizeAdvertised()).isTrue();
            assertThat(info.metaContexts()).containsKey(BaseAllocation.NAME);
        }
    }

    @Test
    void dataWrittenReadsBackWithAndWithoutExtendedHeaders() throws Exception {
        for (boolean extended : new boolean[] {true, false}) {
            try (NbdServer s = ServerFixture.memory("disk", 64L << 20);
                    NbdClient nbd = connect(s, "disk", ClientOptions.defaults().withExtendedHeaders(extended)
                            .withMaxRequestSize(1 << 20))) {
                assertThat(nbd.info().extendedHeaders()).isEqualTo(extended);
                byte[] data = ServerFixture.pattern(5 << 20, 11);
                nbd.write(8192, data);
                nbd.flush();
                assertThat(nbd.read(8192, data.length)).isEqualTo(data);
            }
        }
    }

    @Test
    void holesZeroesTrimAndBlockStatus() throws Exception {
        try (NbdServer s = ServerFixture.memory("disk", 16L << 20);
                NbdClient nbd = connect(s, "disk", ClientOptions.defaults())) {
            byte[] ones = new byte[1 << 20];
            java.util.Arrays.fill(ones, (byte) 1);
            nbd.write(1 << 20, ones);
            assertThat(nbd.read(0, 4096)).containsOnly(0); // a hole, possibly sent as OFFSET_HOLE
            BlockStatus st = nbd.blockStatus(0, 4 << 20, 0);
            List<Extent> ext = st.of(BaseAllocation.NAME);
            assertThat(ext.get(0).isHole()).isTrue();
            assertThat(ext.get(0).length()).isEqualTo(1 << 20);
            assertThat(ext.get(1).isHole()).isFalse();
            nbd.zero(1 << 20, 4096, CommandFlags.NO_HOLE);
            nbd.trim((1 << 20) + 4096, 4096, 0);
            assertThat(nbd.read(1 << 20, 4096)).containsOnly(0);
            assertThat(nbd.read((1 << 20) + 8192, 16)).containsOnly(1);
            assertThat(nbd.blockStatus(0, 4 << 20, CommandFlags.REQ_ONE).of(BaseAllocation.NAME)).hasSize(1);
            if (nbd.info().canCache()) {
                nbd.cache(0, 1 << 20);
            }
        }
    }

    @Test
    void readOnlyExportAndServerErrors() throws Exception {
        try (NbdServer s = ServerFixture.standard();
                NbdClient ro = connect(s, "ro", ClientOptions.defaults())) {
            assertThat(ro.info().isReadOnly()).isTrue();
            assertThatThrownBy(() -> ro.write(0, new byte[1])).isInstanceOf(NbdUnsupportedException.class);
            assertThat(ro.read(0, 512)).containsOnly(0);
        }
    }

    @Test
    void manyRequestsInFlightAndMultipleConnections() throws Exception {
        try (NbdServer s = ServerFixture.memory("disk", 16L << 20);
                NbdClient nbd = connect(s, "disk", ClientOptions.defaults().withConnections(4))) {
            assertThat(nbd.connectionCount()).isEqualTo(nbd.info().canMultiConn() ? 4 : 1);
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 512; i++) {
                ByteBuffer b = ByteBuffer.allocate(4096);
                while (b.hasRemaining()) {
                    b.putInt(i);
                }
                writes.add(nbd.writeAsync(i * 4096L, b.flip()));
            }
            CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get();
            nbd.flush();
            try (NbdClient other = connect(s, "disk", ClientOptions.defaults())) {
                for (int i = 0; i < 512; i += 37) {
                    assertThat(ByteBuffer.wrap(other.read(i * 4096L, 4096)).getInt(4092)).isEqualTo(i);
                }
            }
        }
    }

    // flush goes to every connection, so only WRITEs are counted; the client's picker gives each
    // connection a turn in every round of four, so all four must have served some of the writes.
    @Test
    void multiConnSpreadsRequestsOverEveryConnection() throws Exception {
        ConnectionCountingBackend backend = new ConnectionCountingBackend(16L << 20);
        try (NbdServer s = NbdServer.builder().listenLoopback().export(ExportSpec.of("disk", backend)).start();
                NbdClient nbd = connect(s, "disk", ClientOptions.defaults().withConnections(4))) {
            assertThat(nbd.info().canMultiConn()).isTrue();
            assertThat(nbd.connectionCount()).isEqualTo(4);
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                writes.add(nbd.writeAsync(i * 4096L, ByteBuffer.wrap(ServerFixture.pattern(4096, i))));
            }
            CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get();
            // every reply arrived, so every store call behind it has returned and been counted
            List<Integer> perStore = backend.writesPerStore();
            assertThat(perStore.stream().filter(n -> n > 0)).as("stores that served writes: %s", perStore)
                    .hasSize(4);
            assertThat(perStore.stream().mapToInt(Integer::intValue).sum()).isEqualTo(256);
            assertThat(nbd.read(255 * 4096L, 4096)).isEqualTo(ServerFixture.pattern(4096, 255));
        }
    }

    @Test
    void listReturnsEachExportsDescriptionExactly() throws Exception {
        Path sock = dir.resolve("list.sock");
        String description = "Scratch disk été — 128 KiB, wiped at exit";
        try (NbdServer s = NbdServer.builder().unix(sock)
                .export(ExportSpec.of("described", new ExportSpec.Memory(128 << 10)).withDescription(description))
                .export(ExportSpec.of("plain", new ExportSpec.Memory(128 << 10)))
                .start()) {
            List<ServerEntry> listed = NbdClient.list(NbdUri.parse("nbd+unix:///?socket=" + sock),
                    ClientOptions.defaults());
            assertThat(listed).containsExactlyInAnyOrder(new ServerEntry("described", description),
                    new ServerEntry("plain", ""));
        }
    }

    @Test
    void unixSocketListListAndInfo() throws Exception {
        Path sock = dir.resolve("nbd.sock");
        try (NbdServer s = NbdServer.builder().unix(sock)
                .export(ExportSpec.of("a", new ExportSpec.Memory(1 << 20)).withDescription("first"))
                .export(ExportSpec.of("b", new ExportSpec.Memory(2 << 20)))
                .start()) {
            NbdUri uri = NbdUri.parse("nbd+unix:///b?socket=" + sock);
            assertThat(NbdClient.list(uri, ClientOptions.defaults())).extracting(e -> e.name())
                    .containsExactlyInAnyOrder("a", "b");
            assertThat(NbdClient.info(uri, ClientOptions.defaults()).size()).isEqualTo(2 << 20);
            try (NbdClient nbd = NbdClient.connect(uri, ClientOptions.defaults())) {
                nbd.write(0, new byte[] {4, 2});
                assertThat(nbd.read(0, 2)).containsExactly(4, 2);
            }
        }
    }

    @Test
    void outOfRangeReadIsRefusedByTheClientAndUnalignedBySize() throws Exception {
        try (NbdServer s = ServerFixture.standard();
                NbdClient nbd = connect(s, "b512", ClientOptions.defaults())) {
            assertThat(nbd.info().minimumBlock()).isEqualTo(512);
            assertThatThrownBy(() -> nbd.read(100, 512)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("minimum block size 512");
            assertThatThrownBy(() -> nbd.read(1 << 20, 512)).isInstanceOf(IllegalArgumentException.class);
            assertThat(nbd.read(512, 512)).hasSize(512);
        }
    }
}
