package io.nbdtk.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.protocol.BaseAllocation;
import io.nbdtk.protocol.ChunkType;
import io.nbdtk.protocol.Command;
import io.nbdtk.protocol.CommandFlags;
import io.nbdtk.protocol.ReplyFlags;
import io.nbdtk.protocol.TransmissionFlags;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Client rules checked against a scripted server: what is sent, what is refused before sending. */
@Timeout(30)
class ClientBehaviourTest {
    private static final ClientOptions OPTS = ClientOptions.defaults().withRequestTimeout(Duration.ofSeconds(10));

    @Test
    void unadvertisedFeaturesFailBeforeAnythingIsSent() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(false, TransmissionFlags.HAS_FLAGS | TransmissionFlags.READ_ONLY);
            FakeServer.Request r = f.readRequest(); // the first request on the wire must be the READ
            assertThat(r.type()).isEqualTo(Command.READ.code());
            f.simpleReply(r.cookie(), 0);
            f.out.write(new byte[512]);
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            assertThatThrownBy(() -> nbd.write(0, new byte[1])).isInstanceOf(NbdUnsupportedException.class)
                    .hasMessageContaining("read-only");
            assertThatThrownBy(nbd::flush).isInstanceOf(NbdUnsupportedException.class);
            assertThatThrownBy(() -> nbd.read(0, ByteBuffer.allocate(512), CommandFlags.DF))
                    .isInstanceOf(NbdUnsupportedException.class).hasMessageContaining("SEND_DF");
            assertThatThrownBy(() -> nbd.read(0, ByteBuffer.allocate(512), CommandFlags.FUA))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid for NBD_CMD_READ");
            assertThatThrownBy(() -> nbd.read((1 << 20) - 100, 512)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("outside the export");
            nbd.read(0, ByteBuffer.allocate(0)); // zero-length: nothing is sent
            assertThat(nbd.read(0, 512)).containsOnly(0);
        }
    }

    @Test
    void extendedHeadersUse64BitRequestsAndReplies() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(true, true, TransmissionFlags.HAS_FLAGS | TransmissionFlags.SEND_FLUSH);
            FakeServer.Request w = f.readExtendedRequest();
            assertThat(w.type()).isEqualTo(Command.WRITE.code());
            assertThat(w.flags() & CommandFlags.PAYLOAD_LEN).isNotZero();
            f.extendedChunk(ReplyFlags.DONE, ChunkType.NONE.code(), w.cookie(), w.offset(), new byte[0]);
            FakeServer.Request r = f.readExtendedRequest();
            byte[] p = new byte[8 + 4];
            ByteBuffer.wrap(p).putLong(r.offset()).put(new byte[] {1, 2, 3, 4});
            f.extendedChunk(ReplyFlags.DONE, ChunkType.OFFSET_DATA.code(), r.cookie(), r.offset(), p);
            FakeServer.Request b = f.readExtendedRequest();
            ByteBuffer bs = ByteBuffer.allocate(8 + 16).putInt(1).putInt(1).putLong(1L << 20)
                    .putLong(BaseAllocation.STATE_HOLE | BaseAllocation.STATE_ZERO);
            f.extendedChunk(ReplyFlags.DONE, ChunkType.BLOCK_STATUS_EXT.code(), b.cookie(), b.offset(), bs.array());
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            assertThat(nbd.info().extendedHeaders()).isTrue();
            assertThat(nbd.info().structuredReplies()).isTrue();
            nbd.write(100, new byte[] {5, 6});
            assertThat(nbd.read(8, 4)).containsExactly(1, 2, 3, 4);
            BlockStatus st = nbd.blockStatus(0, 1 << 20, 0);
            assertThat(st.of(BaseAllocation.NAME)).singleElement()
                    .satisfies(e -> assertThat(e.isHole() && e.isZero()).isTrue());
        }
    }

    @Test
    void holeChunksReadAsZerosInTheCallersBuffer() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(true);
            FakeServer.Request r = f.readRequest();
            byte[] data = new byte[8 + 256];
            ByteBuffer.wrap(data).putLong(r.offset() + 256).put(new byte[256]);
            java.util.Arrays.fill(data, 8, data.length, (byte) 7);
            f.chunk(0, ChunkType.OFFSET_DATA.code(), r.cookie(), data);
            ByteBuffer hole = ByteBuffer.allocate(12).putLong(r.offset()).putInt(256);
            f.chunk(ReplyFlags.DONE, ChunkType.OFFSET_HOLE.code(), r.cookie(), hole.array());
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            ByteBuffer dst = ByteBuffer.allocate(600);
            java.util.Arrays.fill(dst.array(), (byte) -1);
            dst.position(50).limit(562);
            nbd.read(0, dst);
            assertThat(dst.position()).isEqualTo(562);
            assertThat(dst.get(49)).isEqualTo((byte) -1);
            assertThat(dst.get(50)).isZero();
            assertThat(dst.get(305)).isZero();
            assertThat(dst.get(306)).isEqualTo((byte) 7);
            assertThat(dst.get(561)).isEqualTo((byte) 7);
            assertThat(dst.array()[562]).isEqualTo((byte) -1);
        }
    }

    @Test
    void closeSendsDiscAfterPendingRequests() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(false);
            FakeServer.Request flush = f.readRequest();
            f.simpleReply(flush.cookie(), 0);
            FakeServer.Request disc = f.readRequest();
            assertThat(disc.type()).isEqualTo(Command.DISC.code());
            f.awaitClientClose();
        })) {
            NbdClient nbd = s.connect(OPTS);
            nbd.flushAsync();
            nbd.close();
            assertThat(nbd.isClosed()).isTrue();
            s.finish();
        }
    }

    @Test
    void asyncResultsCompleteOffTheReaderThreadUnlessAskedOtherwise() throws Exception {
        for (boolean onReader : new boolean[] {false, true}) {
            java.util.concurrent.CountDownLatch attached = new java.util.concurrent.CountDownLatch(1);
            try (FakeServer s = new FakeServer(f -> {
                f.negotiate(false);
                FakeServer.Request r = f.readRequest();
                attached.await(); // reply only once the callback is in place
                f.simpleReply(r.cookie(), 0);
                f.awaitClientClose();
            }); NbdClient nbd = s.connect(onReader ? OPTS.withCompletionExecutor(Runnable::run) : OPTS)) {
                java.util.concurrent.CompletableFuture<String> thread =
                        nbd.flushAsync().thenApply(v -> Thread.currentThread().getName());
                attached.countDown();
                assertThat(thread.get()).startsWith(onReader ? "nbd-reader-" : "nbd-complete-");
            }
        }
    }
}
