package io.nbdtk.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Wire values straight from the spec, and lookups that tolerate unknown values. */
class ConstantsTest {
    @Test
    void optionValues() {
        assertThat(Option.EXPORT_NAME.code()).isEqualTo(1);
        assertThat(Option.GO.code()).isEqualTo(7);
        assertThat(Option.EXTENDED_HEADERS.code()).isEqualTo(11);
        assertThat(Option.of(10)).isEqualTo(Option.SET_META_CONTEXT);
        assertThat(Option.of(0)).isNull();
        assertThat(Option.of(-1)).isNull();
        assertThat(Option.nameOf(-1)).isEqualTo("NBD_OPT_?(4294967295)");
    }

    @Test
    void replyTypeValues() {
        assertThat(OptionReplyType.ERR_UNSUP.code()).isEqualTo(0x80000001);
        assertThat(OptionReplyType.ERR_EXT_HEADER_REQD.code()).isEqualTo(0x8000000A);
        assertThat(OptionReplyType.of(0x8000000A)).isEqualTo(OptionReplyType.ERR_EXT_HEADER_REQD);
        assertThat(OptionReplyType.isError(0x800000FF)).isTrue();
        assertThat(OptionReplyType.META_CONTEXT.isError()).isFalse();
        assertThat(OptionReplyType.nameOf(0x800000FF)).isEqualTo("NBD_REP_?(0x800000ff)");
    }

    @Test
    void commandChunkAndErrorValues() {
        assertThat(Command.BLOCK_STATUS.code()).isEqualTo(7);
        assertThat(Command.of(8)).isEqualTo(Command.RESIZE);
        assertThat(Command.of(9)).isNull();
        assertThat(ChunkType.BLOCK_STATUS.code()).isEqualTo(5);
        assertThat(ChunkType.ERROR_OFFSET.code()).isEqualTo(32770);
        assertThat(ChunkType.of(3)).isNull();
        assertThat(NbdError.ESHUTDOWN.code()).isEqualTo(108);
        assertThat(NbdError.orEinval(4711)).isEqualTo(NbdError.EINVAL);
        assertThat(NbdError.nameOf(75)).isEqualTo("NBD_EOVERFLOW");
        assertThat(InfoType.of(3)).isEqualTo(InfoType.BLOCK_SIZE);
        assertThat(InfoType.of(4)).isNull();
    }

    @Test
    void flagBits() {
        assertThat(TransmissionFlags.SEND_FAST_ZERO).isEqualTo(0x800);
        assertThat(TransmissionFlags.BLOCK_STATUS_PAYLOAD).isEqualTo(0x1000);
        assertThat(CommandFlags.PAYLOAD_LEN).isEqualTo(0x20);
        assertThat(TransmissionFlags.describe(0x8105)).isEqualTo("HAS_FLAGS|SEND_FLUSH|CAN_MULTI_CONN|0x8000");
        assertThat(CommandFlags.describe(0)).isEqualTo("0");
        assertThat(BaseAllocation.STATE_ZERO).isEqualTo(2);
    }
}
