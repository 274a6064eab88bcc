package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/**
 * The fixed part of an NBD_REPLY_TYPE_OFFSET_DATA chunk: u64 offset. The data ({@code chunk length
 * - 8} bytes, see {@link #dataLength}) follows and is streamed by the caller, not held here.
 */
public record OffsetData(long offset) implements Encodable {
    public static final int HEADER_SIZE = 8;

    /** Data bytes carried by this chunk; fails unless the chunk holds an offset and >= 1 byte. */
    public static long dataLength(ChunkHeader chunk) throws ProtocolException {
        if (Long.compareUnsigned(chunk.length(), HEADER_SIZE + 1) < 0) {
            throw new ProtocolException("OFFSET_DATA chunk length " + Long.toUnsignedString(chunk.length())
                    + " is below the minimum 9");
        }
        return chunk.length() - HEADER_SIZE;
    }

    /** A chunk header for {@code dataLength} bytes of data at {@code offset}. */
    public static ChunkHeader header(boolean done, long cookie, long requestOffset, long dataLength) {
        return ChunkHeader.of(ChunkType.OFFSET_DATA, done, cookie, requestOffset, HEADER_SIZE + dataLength);
    }

    /**
     * Writes a whole OFFSET_DATA chunk header plus the offset field (the caller then sends the
     * data) without creating any object.
     */
    public static void writeHeader(ByteBuffer out, boolean extended, boolean done, long cookie, long requestOffset,
            long dataOffset, long dataLength) {
        ChunkHeader.write(out, extended, done ? ReplyFlags.DONE : 0, ChunkType.OFFSET_DATA.code(), cookie,
                requestOffset, HEADER_SIZE + dataLength);
        out.putLong(dataOffset);
    }

    @Override
    public int encodedLength() {
        return HEADER_SIZE;
    }

    @Override
    public void encode(ByteBuffer out) {
        out.putLong(offset);
    }

    public static OffsetData decode(ByteBuffer in) throws ProtocolException {
        Wire.need(in, HEADER_SIZE, "OFFSET_DATA offset");
        return new OffsetData(in.getLong());
    }
}
