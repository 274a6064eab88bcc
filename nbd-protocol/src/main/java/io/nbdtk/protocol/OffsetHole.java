package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/** NBD_REPLY_TYPE_OFFSET_HOLE payload: u64 offset, u32 hole size (non-zero); 12 bytes. */
public record OffsetHole(long offset, int length) implements Encodable {
    public static final int SIZE = 12;

    public long lengthUnsigned() {
        return Wire.u32(length);
    }

    public ChunkHeader header(boolean done, long cookie, long requestOffset) {
        return ChunkHeader.of(ChunkType.OFFSET_HOLE, done, cookie, requestOffset, SIZE);
    }

    @Override
    public int encodedLength() {
        return SIZE;
    }

    @Override
    public void encode(ByteBuffer out) {
        out.putLong(offset).putInt(length);
    }

    /** Decodes the payload of {@code chunk}; its length must be exactly 12. */
    public static OffsetHole decode(ChunkHeader chunk, ByteBuffer in) throws ProtocolException {
        if (chunk.length() != SIZE) {
            throw new ProtocolException("OFFSET_HOLE chunk length must be 12, got "
                    + Long.toUnsignedString(chunk.length()));
        }
        Wire.need(in, SIZE, "OFFSET_HOLE");
        OffsetHole hole = new OffsetHole(in.getLong(), in.getInt());
        if (hole.length == 0) {
            throw new ProtocolException("OFFSET_HOLE with zero length at offset " + Long.toUnsignedString(hole.offset));
        }
        return hole;
    }
}
