package io.nbdtk.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.protocol.ChunkType;
import io.nbdtk.protocol.Magic;
import io.nbdtk.protocol.Option;
import io.nbdtk.protocol.OptionReplyType;
import io.nbdtk.protocol.ProtocolException;
import io.nbdtk.protocol.ReplyFlags;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A scripted fake server sends what no correct server would: each case must end in a clear
 * exception and a closed handle, never a hang or an out-of-memory.
 */
@Timeout(30)
class BadServerTest {
    private static final ClientOptions OPTS = ClientOptions.defaults()
            .withHandshakeTimeout(Duration.ofSeconds(5)).withRequestTimeout(Duration.ofSeconds(10));

    @Test
    void wrongGreetingMagic() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.out.writeLong(0x1234);
            f.out.writeLong(Magic.IHAVEOPT);
            f.out.writeShort(3);
            f.awaitClientClose();
        })) {
            assertThatThrownBy(() -> s.connect(OPTS)).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("bad greeting magic 0x1234");
        }
    }

    @Test
    void wrongOptionReplyMagic() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.greet();
            f.readOption();
            f.out.writeLong(Magic.NBDMAGIC);
            f.out.write(new byte[12]);
            f.awaitClientClose();
        })) {
            assertThatThrownBy(() -> s.connect(OPTS)).hasMessageContaining("bad option reply magic");
        }
    }

    @Test
    void optionReplyForTheWrongOption() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.greet();
            f.readOption();
            f.optionReply(Option.LIST.code(), OptionReplyType.ACK, new byte[0]);
            f.awaitClientClose();
        })) {
            assertThatThrownBy(() -> s.connect(OPTS)).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("replied to NBD_OPT_LIST while NBD_OPT_EXTENDED_HEADERS was pending");
        }
    }

    @Test
    void hugeOptionReplyIsRefusedWithoutAllocating() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.greet();
            int opt = f.readOption();
            f.out.writeLong(Magic.OPTION_REPLY);
            f.out.writeInt(opt);
            f.out.writeInt(OptionReplyType.INFO.code());
            f.out.writeInt(0xFFFFFFF0);
            f.awaitClientClose();
        })) {
            assertThatThrownBy(() -> s.connect(OPTS)).hasMessageContaining("has length 4294967280, over limit");
        }
    }

    @Test
    void handshakeStallTimesOut() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.greet();
            f.awaitClientClose();
        })) {
            assertThatThrownBy(() -> s.connect(OPTS.withHandshakeTimeout(Duration.ofMillis(300))))
                    .hasMessageContaining("handshake with the NBD server timed out after 300 ms");
        }
    }

    @Test
    void wrongReplyMagicInTransmission() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(false);
            f.readRequest();
            f.out.writeInt(0xdeadbeef);
            f.out.write(new byte[12]);
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            assertThatThrownBy(() -> nbd.read(0, 512)).isInstanceOf(NbdConnectionClosedException.class)
                    .hasMessageContaining("bad reply magic 0xdeadbeef");
            assertThat(nbd.isClosed()).isTrue();
        }
    }

    @Test
    void replyWithUnknownCookie() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(false);
            f.readRequest();
            f.simpleReply(999, 0);
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            assertThatThrownBy(nbd::flush).isInstanceOf(NbdConnectionClosedException.class)
                    .hasMessageContaining("unknown cookie 999");
            assertThat(nbd.isClosed()).isTrue();
        }
    }

    @Test
    void duplicateReply() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(false);
            FakeServer.Request a = f.readRequest();
            f.readRequest();
            f.simpleReply(a.cookie(), 0);
            f.simpleReply(a.cookie(), 0);
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            CompletableFuture<Void> first = nbd.flushAsync();
            CompletableFuture<Void> second = nbd.flushAsync();
            first.get();
            assertThatThrownBy(second::join).hasCauseInstanceOf(NbdConnectionClosedException.class)
                    .hasMessageContaining("already answered");
            assertThat(nbd.isClosed()).isTrue();
        }
    }

    @Test
    void dataChunkOutsideTheRequestedRange() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(true);
            FakeServer.Request r = f.readRequest();
            byte[] p = new byte[8 + 512];
            ByteBuffer.wrap(p).putLong(r.offset() + 512);
            f.chunk(ReplyFlags.DONE, ChunkType.OFFSET_DATA.code(), r.cookie(), p);
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            assertThatThrownBy(() -> nbd.read(0, 512)).isInstanceOf(NbdConnectionClosedException.class)
                    .hasMessageContaining("OFFSET_DATA chunk [512, +512) lies outside");
            assertThat(nbd.isClosed()).isTrue();
        }
    }

    @Test
    void chunkOverTheNegotiatedMaximumIsNotAllocated() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(true);
            FakeServer.Request r = f.readRequest();
            f.chunkHeader(ReplyFlags.DONE, ChunkType.BLOCK_STATUS.code(), r.cookie(), 0xFFFFFF00L);
            f.out.flush();
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            assertThatThrownBy(() -> nbd.blockStatus(0, 4096, 0)).isInstanceOf(NbdConnectionClosedException.class)
                    .hasMessageContaining("chunk length 4294967040 exceeds limit");
            assertThat(nbd.isClosed()).isTrue();
        }
    }

    @Test
    void structuredReplyWhenNoneWasNegotiated() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(false);
            FakeServer.Request r = f.readRequest();
            f.chunk(ReplyFlags.DONE, ChunkType.NONE.code(), r.cookie(), new byte[0]);
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            assertThatThrownBy(nbd::flush).isInstanceOf(NbdConnectionClosedException.class)
                    .hasMessageContaining("structured reply although none was negotiated");
        }
    }

    @Test
    void readReplyWithAGapIsRejected() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(true);
            FakeServer.Request r = f.readRequest();
            byte[] p = new byte[8 + 256];
            ByteBuffer.wrap(p).putLong(r.offset());
            f.chunk(ReplyFlags.DONE, ChunkType.OFFSET_DATA.code(), r.cookie(), p);
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            assertThatThrownBy(() -> nbd.read(0, 512)).hasMessageContaining("covered only 256 bytes");
        }
    }

    @Test
    void unknownNonErrorChunkTypeClosesTheConnection() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(true);
            FakeServer.Request r = f.readRequest();
            f.chunk(ReplyFlags.DONE, 77, r.cookie(), new byte[4]);
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            assertThatThrownBy(() -> nbd.read(0, 512)).hasMessageContaining("unknown chunk type 77");
        }
    }

    @Test
    void errorChunkFailsOnlyThatRequest() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(true);
            FakeServer.Request r = f.readRequest();
            byte[] msg = "bad sector".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ByteBuffer p = ByteBuffer.allocate(6 + msg.length + 8).putInt(5).putShort((short) msg.length).put(msg)
                    .putLong(r.offset() + 100);
            f.chunk(ReplyFlags.DONE, ChunkType.ERROR_OFFSET.code(), r.cookie(), p.array());
            FakeServer.Request r2 = f.readRequest();
            f.simpleReply(r2.cookie(), 0);
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            assertThatThrownBy(() -> nbd.read(0, 512)).isInstanceOfSatisfying(NbdCommandException.class, e -> {
                assertThat(e.serverMessage()).isEqualTo("bad sector");
                assertThat(e.errorOffset()).hasValue(100);
                assertThat(e).hasMessageContaining("NBD_EIO");
            });
            nbd.flush();
            assertThat(nbd.isClosed()).isFalse();
        }
    }

    @Test
    void truncatedStream() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.negotiate(false);
            FakeServer.Request r = f.readRequest();
            f.out.writeInt(Magic.SIMPLE_REPLY);
            f.out.writeInt(0);
            f.out.writeLong(r.cookie());
            f.out.write(new byte[100]); // of 512 promised
            f.out.flush();
        }); NbdClient nbd = s.connect(OPTS)) {
            assertThatThrownBy(() -> nbd.read(0, 512)).isInstanceOf(NbdConnectionClosedException.class)
                    .hasMessageContaining("server closed the connection");
            assertThat(nbd.isClosed()).isTrue();
        }
    }

    @Test
    void fallsBackToExportNameWhenGoIsUnknown() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.greet();
            while (true) {
                int opt = f.readOption();
                if (opt == Option.EXPORT_NAME.code()) {
                    f.out.writeLong(4096);
                    f.out.writeShort(1);
                    f.out.flush();
                    break;
                }
                f.optionReply(opt, OptionReplyType.ERR_UNSUP, new byte[0]);
            }
            FakeServer.Request r = f.readRequest();
            f.simpleReply(r.cookie(), 0);
            f.out.write(new byte[512]);
            f.awaitClientClose();
        }); NbdClient nbd = s.connect(OPTS)) {
            assertThat(nbd.size()).isEqualTo(4096);
            assertThat(nbd.info().structuredReplies()).isFalse();
            assertThat(nbd.read(0, 512)).containsOnly(0);
            assertThatThrownBy(nbd::flush).isInstanceOf(NbdUnsupportedException.class)
                    .hasMessageContaining("SEND_FLUSH");
        }
    }

    @Test
    void serverShuttingDownDuringTheHandshakeGetsAnAbort() throws Exception {
        try (FakeServer s = new FakeServer(f -> {
            f.greet();
            int opt = f.readOption();
            f.optionReply(opt, OptionReplyType.ERR_SHUTDOWN, "going down".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(f.readOption()).isEqualTo(Option.ABORT.code());
            f.optionReply(Option.ABORT.code(), OptionReplyType.ACK, new byte[0]);
            f.awaitClientClose();
        })) {
            assertThatThrownBy(() -> s.connect(OPTS)).isInstanceOf(NbdOptionException.class)
                    .hasMessageContaining("NBD_REP_ERR_SHUTDOWN (going down)");
            s.finish();
        }
    }
}
