package io.nbdtk.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class HandshakeCodecTest {
    @Test
    void greetingRoundTripsAndHasTheSpecLayout() throws Exception {
        ByteBuffer b = new Greeting(HandshakeFlags.FIXED_NEWSTYLE | HandshakeFlags.NO_ZEROES).toBuffer();
        assertThat(b.remaining()).isEqualTo(18);
        assertThat(b.getLong(0)).isEqualTo(0x4e42444d41474943L);
        assertThat(b.getLong(8)).isEqualTo(0x49484156454F5054L);
        Greeting g = Greeting.decode(b);
        assertThat(g.fixedNewstyle()).isTrue();
        assertThat(g.noZeroes()).isTrue();
        assertThat(b.hasRemaining()).isFalse();
    }

    @Test
    void greetingWithWrongMagicIsRejected() {
        ByteBuffer b = new Greeting(1).toBuffer();
        b.putLong(0, 0x1122334455667788L);
        assertThatThrownBy(() -> Greeting.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("bad greeting magic 0x1122334455667788");
    }

    @Test
    void oldstyleGreetingIsNamedAsSuch() {
        ByteBuffer b = new Greeting(1).toBuffer();
        b.putLong(8, Magic.CLISERV_MAGIC);
        assertThatThrownBy(() -> Greeting.decode(b)).hasMessageContaining("oldstyle");
    }

    @Test
    void truncatedGreetingIsAProtocolErrorNotAnUnderflow() {
        ByteBuffer b = ByteBuffer.allocate(10);
        assertThatThrownBy(() -> Greeting.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("truncated greeting");
    }

    @Test
    void clientFlagsRoundTripAndFlagUnexpectedBits() throws Exception {
        ClientFlags f = ClientFlags.decode(new ClientFlags(3).toBuffer());
        assertThat(f.fixedNewstyle()).isTrue();
        assertThat(f.noZeroes()).isTrue();
        assertThat(f.unexpectedBits(HandshakeFlags.FIXED_NEWSTYLE | HandshakeFlags.NO_ZEROES)).isZero();
        assertThat(f.unexpectedBits(HandshakeFlags.FIXED_NEWSTYLE)).isEqualTo(HandshakeFlags.C_NO_ZEROES);
        assertThat(new ClientFlags(0x101).unexpectedBits(3)).isEqualTo(0x100);
    }

    @Test
    void optionHeaderRoundTripsWithPayload() throws Exception {
        ByteBuffer b = OptionHeader.encode(Option.EXPORT_NAME, new StringPayload("disk"));
        OptionHeader h = OptionHeader.decode(b, Limits.DEFAULT);
        assertThat(h.knownOption()).isEqualTo(Option.EXPORT_NAME);
        assertThat(h.length()).isEqualTo(4);
        assertThat(StringPayload.decode(b, Limits.DEFAULT, "name").text()).isEqualTo("disk");
    }

    @Test
    void optionHeaderWithHugeLengthIsRejectedBeforeReadingData() {
        ByteBuffer b = new OptionHeader(Option.GO.code(), 0xFFFFFFFF).toBuffer();
        assertThatThrownBy(() -> OptionHeader.decode(b, Limits.DEFAULT)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("NBD_OPT_GO data length 4294967295 exceeds limit 65536");
    }

    @Test
    void optionHeaderWithBadMagicIsRejected() {
        ByteBuffer b = new OptionHeader(1, 0).toBuffer();
        b.putLong(0, 42);
        assertThatThrownBy(() -> OptionHeader.decode(b, Limits.DEFAULT)).hasMessageContaining("bad option magic");
    }

    @Test
    void unknownOptionKeepsItsValue() throws Exception {
        OptionHeader h = OptionHeader.decode(new OptionHeader(4711, 3).toBuffer(), Limits.DEFAULT);
        assertThat(h.knownOption()).isNull();
        assertThat(Option.nameOf(h.option())).isEqualTo("NBD_OPT_?(4711)");
    }

    @Test
    void optionReplyHeaderRoundTripsWithErrorMessage() throws Exception {
        ByteBuffer b = OptionReplyHeader.encode(Option.GO.code(), OptionReplyType.ERR_UNKNOWN,
                new StringPayload("no such export"));
        OptionReplyHeader h = OptionReplyHeader.decode(b, Limits.DEFAULT);
        assertThat(h.isError()).isTrue();
        assertThat(h.knownType()).isEqualTo(OptionReplyType.ERR_UNKNOWN);
        h.expectOption(Option.GO.code());
        assertThat(StringPayload.decode(b, Limits.DEFAULT, "message").text()).isEqualTo("no such export");
    }

    @Test
    void optionReplyForAnotherOptionIsDetected() throws Exception {
        OptionReplyHeader h = OptionReplyHeader.decode(
                OptionReplyHeader.encode(Option.LIST.code(), OptionReplyType.ACK, null), Limits.DEFAULT);
        assertThatThrownBy(() -> h.expectOption(Option.GO.code())).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("replied to NBD_OPT_LIST while NBD_OPT_GO was pending");
    }

    @Test
    void optionReplyWithHugeLengthIsRejected() {
        ByteBuffer b = new OptionReplyHeader(Option.LIST.code(), OptionReplyType.SERVER.code(), 0x7FFFFFFF).toBuffer();
        assertThatThrownBy(() -> OptionReplyHeader.decode(b, Limits.DEFAULT))
                .hasMessageContaining("NBD_REP_SERVER reply to NBD_OPT_LIST has length 2147483647");
    }

    @Test
    void optionReplyWithBadMagicIsRejected() {
        ByteBuffer b = new OptionReplyHeader(1, 1, 0).toBuffer();
        b.putLong(0, Magic.IHAVEOPT);
        assertThatThrownBy(() -> OptionReplyHeader.decode(b, Limits.DEFAULT))
                .hasMessageContaining("bad option reply magic");
    }

    @Test
    void exportNameReplyWithAndWithoutZeroes() throws Exception {
        ExportNameReply r = new ExportNameReply(1L << 40, TransmissionFlags.HAS_FLAGS | TransmissionFlags.SEND_FLUSH);
        ByteBuffer padded = r.toBuffer(false);
        assertThat(padded.remaining()).isEqualTo(134);
        assertThat(ExportNameReply.decode(padded, false)).isEqualTo(r);
        assertThat(padded.hasRemaining()).isFalse();
        ByteBuffer bare = r.toBuffer(true);
        assertThat(bare.remaining()).isEqualTo(10);
        assertThat(ExportNameReply.decode(bare, true)).isEqualTo(r);
    }

    @Test
    void truncatedExportNameReplyIsRejected() {
        assertThatThrownBy(() -> ExportNameReply.decode(ByteBuffer.allocate(20), false))
                .hasMessageContaining("truncated EXPORT_NAME reply");
    }
}
