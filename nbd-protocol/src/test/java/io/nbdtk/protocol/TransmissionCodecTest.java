package io.nbdtk.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class TransmissionCodecTest {
    private static final Limits L = Limits.DEFAULT;

    @Test
    void compactRequestRoundTripsWithUnsignedLength() throws Exception {
        RequestHeader r = RequestHeader.of(Command.WRITE, CommandFlags.FUA, -2L, 0xFFFFFFFF00000000L, 0xFFFFFFFFL);
        ByteBuffer b = ByteBuffer.allocate(RequestHeader.COMPACT_SIZE);
        r.encode(b, false);
        assertThat(b.position()).isEqualTo(28);
        assertThat(b.getInt(0)).isEqualTo(0x25609513);
        RequestHeader d = RequestHeader.decode(b.flip(), false);
        assertThat(d).isEqualTo(r);
        assertThat(d.length()).isEqualTo(4294967295L);
        assertThat(d.command()).isEqualTo(Command.WRITE);
        assertThat(d.payloadLength(false)).isEqualTo(4294967295L);
    }

    @Test
    void extendedRequestRoundTripsWith64BitLength() throws Exception {
        RequestHeader r = RequestHeader.of(Command.TRIM, 0, 7, 4096, 1L << 40);
        ByteBuffer b = ByteBuffer.allocate(RequestHeader.EXTENDED_SIZE);
        r.encode(b, true);
        assertThat(b.getInt(0)).isEqualTo(0x21e41c71);
        assertThat(RequestHeader.decode(b.flip(), true)).isEqualTo(r);
        assertThat(r.payloadLength(true)).isZero();
    }

    @Test
    void payloadLengthFlagMarksAPayloadOnlyWithExtendedHeaders() {
        RequestHeader bs = RequestHeader.of(Command.BLOCK_STATUS, CommandFlags.PAYLOAD_LEN, 1, 0, 16);
        assertThat(bs.payloadLength(true)).isEqualTo(16);
        assertThat(bs.payloadLength(false)).isZero();
    }

    @Test
    void compactRequestCannotCarryA64BitLength() {
        RequestHeader r = RequestHeader.of(Command.READ, 0, 1, 0, 1L << 32);
        assertThatThrownBy(() -> r.encode(ByteBuffer.allocate(28), false)).hasMessageContaining("extended headers");
    }

    @Test
    void requestWithWrongMagicIsRejected() {
        ByteBuffer b = ByteBuffer.allocate(32);
        RequestHeader.of(Command.READ, 0, 1, 0, 1).encode(b, false);
        b.clear();
        assertThatThrownBy(() -> RequestHeader.decode(b, true)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("bad request magic 0x25609513");
    }

    @Test
    void unknownCommandDecodesAndIsNamed() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(28);
        new RequestHeader(0, 99, 1, 0, 0).encode(b, false);
        RequestHeader r = RequestHeader.decode(b.flip(), false);
        assertThat(r.command()).isNull();
        assertThat(r.toString()).contains("NBD_CMD_?(99)");
    }

    @Test
    void rangeChecksAreUnsignedAndOverflowSafe() {
        assertThat(RequestHeader.of(Command.READ, 0, 1, 0, 4096).withinSize(4096)).isTrue();
        assertThat(RequestHeader.of(Command.READ, 0, 1, 1, 4096).withinSize(4096)).isFalse();
        assertThat(RequestHeader.of(Command.READ, 0, 1, 4096, 0).withinSize(4096)).isTrue();
        assertThat(RequestHeader.of(Command.READ, 0, 1, -1L, 2).withinSize(4096)).isFalse();
        assertThat(RequestHeader.of(Command.READ, 0, 1, 8, -8L).withinSize(Long.MAX_VALUE)).isFalse();
    }

    @Test
    void simpleReplyRoundTrips() throws Exception {
        SimpleReplyHeader r = SimpleReplyHeader.error(NbdError.ENOSPC, 99);
        ByteBuffer b = r.toBuffer();
        assertThat(b.remaining()).isEqualTo(16);
        assertThat(Magic.replyHeaderSize(b.getInt(0))).isEqualTo(16);
        assertThat(SimpleReplyHeader.decode(b)).isEqualTo(r);
    }

    @Test
    void replyHeaderSizeRejectsUnknownMagic() {
        assertThatThrownBy(() -> Magic.replyHeaderSize(0x12345678)).hasMessageContaining("bad reply magic 0x12345678");
    }

    @Test
    void compactChunkHeaderRoundTrips() throws Exception {
        ChunkHeader h = ChunkHeader.of(ChunkType.OFFSET_DATA, true, 5, 0, 4104);
        ByteBuffer b = ByteBuffer.allocate(20);
        h.encode(b, false);
        b.flip();
        assertThat(Magic.replyHeaderSize(b.getInt(0))).isEqualTo(20);
        ChunkHeader d = ChunkHeader.decode(b, false, L);
        assertThat(d).isEqualTo(h);
        assertThat(d.isDone()).isTrue();
        assertThat(d.isError()).isFalse();
    }

    @Test
    void extendedChunkHeaderRoundTripsWithOffset() throws Exception {
        ChunkHeader h = ChunkHeader.of(ChunkType.BLOCK_STATUS_EXT, false, 5, 1L << 40, 24);
        ByteBuffer b = ByteBuffer.allocate(32);
        h.encode(b, true);
        b.flip();
        assertThat(Magic.replyHeaderSize(b.getInt(0))).isEqualTo(32);
        assertThat(ChunkHeader.decode(b, true, L)).isEqualTo(h);
    }

    @Test
    void chunkOverTheNegotiatedMaximumIsRejectedBeforeReadingIt() {
        ByteBuffer b = ByteBuffer.allocate(32);
        ChunkHeader.of(ChunkType.OFFSET_DATA, true, 5, 0, Long.MAX_VALUE + 10).encode(b, true);
        b.flip();
        assertThatThrownBy(() -> ChunkHeader.decode(b, true, L)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("NBD_REPLY_TYPE_OFFSET_DATA chunk length 9223372036854775817 exceeds limit");
        ByteBuffer c = ByteBuffer.allocate(20);
        ChunkHeader.of(ChunkType.OFFSET_DATA, true, 5, 0, (1 << 20) + 100).encode(c, false);
        c.flip();
        assertThatThrownBy(() -> ChunkHeader.decode(c, false, L.withMaxPayload(1 << 20)))
                .hasMessageContaining("exceeds limit");
    }

    @Test
    void hotPathWritersMatchTheRecords() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16);
        SimpleReplyHeader.write(b, 0, 77);
        assertThat(SimpleReplyHeader.decode(b.flip())).isEqualTo(SimpleReplyHeader.ok(77));
        ByteBuffer c = ByteBuffer.allocate(40);
        OffsetData.writeHeader(c, true, true, 5, 4096, 8192, 512);
        c.flip();
        ChunkHeader h = ChunkHeader.decode(c, true, L);
        assertThat(h).isEqualTo(OffsetData.header(true, 5, 4096, 512));
        assertThat(OffsetData.decode(c).offset()).isEqualTo(8192);
    }

    @Test
    void offsetDataHeaderAndLength() throws Exception {
        ChunkHeader h = OffsetData.header(true, 1, 0, 4096);
        assertThat(OffsetData.dataLength(h)).isEqualTo(4096);
        assertThat(OffsetData.decode(new OffsetData(512).toBuffer()).offset()).isEqualTo(512);
        assertThatThrownBy(() -> OffsetData.dataLength(ChunkHeader.of(ChunkType.OFFSET_DATA, true, 1, 0, 8)))
                .hasMessageContaining("below the minimum 9");
    }

    @Test
    void offsetHoleRoundTripsAndRejectsBadLengths() throws Exception {
        OffsetHole hole = new OffsetHole(1024, 0xFFFFFFF0);
        assertThat(OffsetHole.decode(hole.header(true, 1, 0), hole.toBuffer())).isEqualTo(hole);
        assertThat(hole.lengthUnsigned()).isEqualTo(0xFFFFFFF0L);
        assertThatThrownBy(() -> OffsetHole.decode(ChunkHeader.of(ChunkType.OFFSET_HOLE, true, 1, 0, 16),
                ByteBuffer.allocate(16))).hasMessageContaining("must be 12, got 16");
        assertThatThrownBy(() -> OffsetHole.decode(new OffsetHole(0, 0).header(true, 1, 0),
                new OffsetHole(0, 0).toBuffer())).hasMessageContaining("zero length");
    }

    @Test
    void blockStatusRoundTripsInBothForms() throws Exception {
        BlockStatusChunk c = new BlockStatusChunk(3, List.of(new Extent(4096, BaseAllocation.STATE_HOLE
                | BaseAllocation.STATE_ZERO), new Extent(65536, 0)));
        for (boolean ext : new boolean[] {false, true}) {
            ByteBuffer b = ByteBuffer.allocate(c.encodedLength(ext));
            c.encode(b, ext);
            ChunkHeader h = c.header(ext, true, 9, 0);
            assertThat(h.type()).isEqualTo(ext ? 6 : 5);
            BlockStatusChunk d = BlockStatusChunk.decode(h, b.flip());
            assertThat(d).isEqualTo(c);
            assertThat(d.extents().get(0).isHole()).isTrue();
            assertThat(d.extents().get(0).isZero()).isTrue();
        }
    }

    @Test
    void blockStatusExtCarries64BitExtents() throws Exception {
        BlockStatusChunk c = new BlockStatusChunk(1, List.of(new Extent(1L << 40, 0)));
        ByteBuffer b = ByteBuffer.allocate(c.encodedLength(true));
        c.encode(b, true);
        assertThat(BlockStatusChunk.decode(c.header(true, true, 1, 0), b.flip())).isEqualTo(c);
        assertThatThrownBy(() -> c.encode(ByteBuffer.allocate(64), false)).hasMessageContaining("BLOCK_STATUS_EXT");
    }

    @Test
    void malformedBlockStatusIsRejected() {
        ChunkHeader odd = ChunkHeader.of(ChunkType.BLOCK_STATUS, true, 1, 0, 10);
        assertThatThrownBy(() -> BlockStatusChunk.decode(odd, ByteBuffer.allocate(10)))
                .hasMessageContaining("not 4 + 8n");
        ChunkHeader empty = ChunkHeader.of(ChunkType.BLOCK_STATUS, true, 1, 0, 4);
        assertThatThrownBy(() -> BlockStatusChunk.decode(empty, ByteBuffer.allocate(4)))
                .hasMessageContaining("not 4 + 8n");
        ChunkHeader zero = ChunkHeader.of(ChunkType.BLOCK_STATUS, true, 1, 0, 12);
        assertThatThrownBy(() -> BlockStatusChunk.decode(zero, ByteBuffer.allocate(12)))
                .hasMessageContaining("extent 0 has zero length");
        ChunkHeader lying = ChunkHeader.of(ChunkType.BLOCK_STATUS_EXT, true, 1, 0, 24);
        ByteBuffer b = ByteBuffer.allocate(24).putInt(1).putInt(1000).putLong(1).putLong(0).flip();
        assertThatThrownBy(() -> BlockStatusChunk.decode(lying, b)).hasMessageContaining("declares 1000 extents");
    }

    @Test
    void errorChunksRoundTripWithAndWithoutOffset() throws Exception {
        for (ErrorChunk e : List.of(ErrorChunk.of(NbdError.EIO, "disk on fire"),
                ErrorChunk.at(NbdError.EPERM, "", 4096))) {
            ByteBuffer b = ByteBuffer.allocate(e.encodedLength());
            e.encode(b);
            ChunkHeader h = e.header(true, 1, 0);
            assertThat(h.isError()).isTrue();
            assertThat(ErrorChunk.decode(h, b.flip(), L)).isEqualTo(e);
        }
    }

    @Test
    void unknownErrorChunkTypeStillYieldsTheError() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(10).putInt(5).putShort((short) 1).put((byte) 'x').put(new byte[3]).flip();
        ErrorChunk e = ErrorChunk.decode(new ChunkHeader(1, 0x8123, 1, 0, 10), b, L);
        assertThat(e).isEqualTo(new ErrorChunk(5, "x", OptionalLong.empty()));
        assertThat(b.hasRemaining()).isFalse();
    }

    @Test
    void errorChunkWithInconsistentMessageLengthIsRejected() {
        ByteBuffer b = ByteBuffer.allocate(8).putInt(5).putShort((short) 100).putShort((short) 0).flip();
        assertThatThrownBy(() -> ErrorChunk.decode(ChunkHeader.of(ChunkType.ERROR, true, 1, 0, 8), b, L))
                .hasMessageContaining("message length 100 does not match chunk length 8");
        ByteBuffer z = ByteBuffer.allocate(6).putInt(0).putShort((short) 0).flip();
        assertThatThrownBy(() -> ErrorChunk.decode(ChunkHeader.of(ChunkType.ERROR, true, 1, 0, 6), z, L))
                .hasMessageContaining("error value 0");
    }

    @Test
    void blockStatusPayloadRoundTripsAndIsBounded() throws Exception {
        BlockStatusPayload p = new BlockStatusPayload(1L << 33, List.of(1, 2));
        assertThat(BlockStatusPayload.decode(p.toBuffer(), p.encodedLength(), L)).isEqualTo(p);
        assertThatThrownBy(() -> BlockStatusPayload.decode(ByteBuffer.allocate(8), 1L << 40, L))
                .hasMessageContaining("BLOCK_STATUS payload length 1099511627776");
    }
}
