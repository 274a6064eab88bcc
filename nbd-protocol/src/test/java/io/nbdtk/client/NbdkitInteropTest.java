package io.nbdtk.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.protocol.BaseAllocation;
import io.nbdtk.protocol.CommandFlags;
import io.nbdtk.protocol.Extent;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.testing.Prerequisites;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against nbdkit's memory plugin (and its error and delay filters). */
class NbdkitInteropTest {
    @TempDir
    Path dir;

    private PeerServer nbdkit(String... extra) throws Exception {
        Path nbdkit = Prerequisites.tool("nbdkit", "nbdkit");
        Path sock = dir.resolve("nbdkit.sock");
        List<String> cmd = new ArrayList<>(List.of(nbdkit.toString(), "-f", "--exit-with-parent", "-U",
                sock.toString()));
        cmd.addAll(List.of(extra));
        return PeerServer.start(sock, cmd);
    }

    @Test
    void negotiatesStructuredRepliesAndBaseAllocation() throws Exception {
        try (PeerServer s = nbdkit("memory", "size=64M");
                NbdClient nbd = NbdClient.connect(s.uri(""), ClientOptions.defaults())) {
            ExportInfo info = nbd.info();
            assertThat(info.size()).isEqualTo(64L << 20);
            assertThat(info.structuredReplies()).isTrue();
            assertThat(info.extendedHeaders()).isFalse();
            assertThat(info.metaContexts()).containsKey(BaseAllocation.NAME);
            assertThat(info.canFlush()).isTrue();
            assertThat(info.canTrim()).isTrue();
            assertThat(info.canZero()).isTrue();
            assertThat(info.canMultiConn()).isTrue();
        }
    }

    @Test
    void dataWrittenReadsBackIdenticallyIncludingSplitRequests() throws Exception {
        try (PeerServer s = nbdkit("memory", "size=64M");
                NbdClient nbd = NbdClient.connect(s.uri(""), ClientOptions.defaults().withMaxRequestSize(1 << 20))) {
            byte[] data = new byte[3 << 20];
            new Random(1).nextBytes(data);
            nbd.write(4096, data);
            nbd.flush();
            ByteBuffer back = ByteBuffer.allocateDirect(data.length);
            nbd.read(4096, back);
            assertThat(back.position()).isEqualTo(data.length);
            byte[] got = new byte[data.length];
            back.flip().get(got);
            assertThat(got).isEqualTo(data);
        }
    }

    @Test
    void manyRequestsInFlightCompleteAsynchronously() throws Exception {
        try (PeerServer s = nbdkit("memory", "size=16M");
                NbdClient nbd = NbdClient.connect(s.uri(""), ClientOptions.defaults())) {
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                ByteBuffer b = ByteBuffer.allocate(4096);
                while (b.hasRemaining()) {
                    b.putInt(i);
                }
                writes.add(nbd.writeAsync(i * 4096L, b.flip()));
            }
            CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get();
            List<ByteBuffer> bufs = new ArrayList<>();
            List<CompletableFuture<Void>> reads = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                ByteBuffer b = ByteBuffer.allocate(4096);
                bufs.add(b);
                reads.add(nbd.readAsync(i * 4096L, b));
            }
            CompletableFuture.allOf(reads.toArray(new CompletableFuture<?>[0])).get();
            for (int i = 0; i < 256; i++) {
                assertThat(bufs.get(i).flip().getInt(4092)).isEqualTo(i);
            }
        }
    }

    @Test
    void trimZeroAndBlockStatus() throws Exception {
        try (PeerServer s = nbdkit("memory", "size=16M");
                NbdClient nbd = NbdClient.connect(s.uri(""), ClientOptions.defaults())) {
            byte[] ones = new byte[1 << 20];
            java.util.Arrays.fill(ones, (byte) 1);
            nbd.write(0, ones);
            BlockStatus st = nbd.blockStatus(0, 16 << 20, 0);
            List<Extent> ext = st.of(BaseAllocation.NAME);
            assertThat(ext.get(0).isHole()).isFalse();
            assertThat(ext.get(0).length()).isEqualTo(1 << 20);
            nbd.zero(0, 4096, CommandFlags.NO_HOLE);
            nbd.trim(1 << 19, 1 << 19, 0);
            assertThat(nbd.read(0, 8)).containsOnly(0);
            assertThat(nbd.read(4096, 8)).containsOnly(1);
            BlockStatus one = nbd.blockStatus(0, 16 << 20, CommandFlags.REQ_ONE);
            assertThat(one.of(BaseAllocation.NAME)).hasSize(1);
        }
    }

    @Test
    void serverErrorsReachTheCallerAndTheConnectionStaysUsable() throws Exception {
        try (PeerServer s = nbdkit("--filter=error", "memory", "size=16M", "error=ENOSPC", "error-pwrite-rate=1");
                NbdClient nbd = NbdClient.connect(s.uri(""), ClientOptions.defaults())) {
            assertThatThrownBy(() -> nbd.write(0, new byte[512])).isInstanceOfSatisfying(NbdCommandException.class,
                    e -> assertThat(e.error()).isEqualTo(NbdError.ENOSPC));
            assertThat(nbd.read(0, 512)).containsOnly(0);
            assertThat(nbd.isClosed()).isFalse();
        }
    }

    @Test
    void stalledServerFailsPendingRequestsAndClosesTheHandle() throws Exception {
        try (PeerServer s = nbdkit("--filter=delay", "memory", "size=16M", "rdelay=30");
                NbdClient nbd = NbdClient.connect(s.uri(""),
                        ClientOptions.defaults().withRequestTimeout(Duration.ofMillis(300)))) {
            CompletableFuture<Void> a = nbd.readAsync(0, ByteBuffer.allocate(512));
            CompletableFuture<Void> b = nbd.readAsync(512, ByteBuffer.allocate(512));
            assertThatThrownBy(a::join).hasCauseInstanceOf(NbdConnectionClosedException.class)
                    .hasMessageContaining("no reply within 300 ms");
            assertThatThrownBy(b::join).hasCauseInstanceOf(NbdConnectionClosedException.class);
            assertThat(nbd.isClosed()).isTrue();
            assertThatThrownBy(() -> nbd.read(0, 512)).isInstanceOf(NbdConnectionClosedException.class);
        }
    }

    @Test
    void serverThatDiesFailsPendingRequestsPromptly() throws Exception {
        PeerServer s = nbdkit("--filter=delay", "memory", "size=16M", "rdelay=20");
        try (NbdClient nbd = NbdClient.connect(s.uri(""), ClientOptions.defaults()
                .withRequestTimeout(Duration.ofSeconds(60)))) {
            CompletableFuture<Void> a = nbd.readAsync(0, ByteBuffer.allocate(512));
            CompletableFuture<Void> b = nbd.readAsync(512, ByteBuffer.allocate(512));
            s.kill(); // SIGKILL while both reads wait in the delay filter
            assertThatThrownBy(() -> a.get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .hasCauseInstanceOf(NbdConnectionClosedException.class)
                    .hasMessageContaining("nbdkit.sock closed"); // EOF or "Connection reset"
            assertThatThrownBy(() -> b.get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .hasCauseInstanceOf(NbdConnectionClosedException.class);
            assertThat(nbd.isClosed()).isTrue();
        } finally {
            s.close();
        }
    }

    @Test
    void serverShuttingDownGetsASoftDisconnect() throws Exception {
        try (PeerServer s = nbdkit("--filter=delay", "memory", "size=16M", "rdelay=10");
                NbdClient nbd = NbdClient.connect(s.uri(""), ClientOptions.defaults())) {
            CompletableFuture<Void> a = nbd.readAsync(0, ByteBuffer.allocate(512));
            s.terminate(); // nbdkit answers what is in flight with ESHUTDOWN
            assertThatThrownBy(() -> a.get(20, java.util.concurrent.TimeUnit.SECONDS))
                    .satisfies(e -> assertThat(e.getCause()).isInstanceOfAny(NbdCommandException.class,
                            NbdConnectionClosedException.class));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(nbd::isClosed);
        }
    }

    @Test
    void fallsBackToSimpleRepliesWhenTheServerHasNoStructuredReplies() throws Exception {
        try (PeerServer s = nbdkit("--no-sr", "memory", "size=16M");
                NbdClient nbd = NbdClient.connect(s.uri(""), ClientOptions.defaults())) {
            assertThat(nbd.info().structuredReplies()).isFalse();
            assertThat(nbd.info().canBlockStatus()).isFalse();
            nbd.write(0, new byte[] {1, 2, 3, 4});
            assertThat(nbd.read(0, 4)).containsExactly(1, 2, 3, 4);
            assertThatThrownBy(() -> nbd.blockStatus(0, 512, 0)).isInstanceOf(NbdUnsupportedException.class);
        }
    }

    @Test
    void multiConnectionHandleSpreadsRequestsAndFlushesAll() throws Exception {
        try (PeerServer s = nbdkit("memory", "size=16M");
                NbdClient nbd = NbdClient.connect(s.uri(""), ClientOptions.defaults().withConnections(4))) {
            assertThat(nbd.connectionCount()).isEqualTo(4);
            for (int i = 0; i < 16; i++) {
                nbd.write(i * 4096L, new byte[] {(byte) i});
            }
            nbd.flush();
            for (int i = 0; i < 16; i++) {
                assertThat(nbd.read(i * 4096L, 1)).containsExactly(i);
            }
        }
    }

    @Test
    void listAndInfoWithoutEnteringTransmission() throws Exception {
        try (PeerServer s = nbdkit("memory", "size=1M")) {
            ExportInfo info = NbdClient.info(s.uri(""), ClientOptions.defaults());
            assertThat(info.size()).isEqualTo(1 << 20);
            assertThat(info.metaContexts()).containsKey(BaseAllocation.NAME);
            assertThat(NbdClient.list(s.uri(""), ClientOptions.defaults())).isNotEmpty();
        }
    }
}
