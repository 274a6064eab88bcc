package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/**
 * A structured reply chunk header. Compact (20 bytes): magic, u16 flags, u16 type, u64 cookie,
 * u32 payload length. Extended (32 bytes): magic, u16 flags, u16 type, u64 cookie, u64 offset
 * (echo of the request's), u64 payload length. {@code offset} is 0 for compact headers.
 */
public record ChunkHeader(int flags, int type, long cookie, long offset, long length) implements Encodable {
    public static final int COMPACT_SIZE = 20;
    public static final int EXTENDED_SIZE = 32;

    public ChunkHeader {
        if ((flags & ~0xFFFF) != 0 || (type & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("flags and type are u16: " + flags + ", " + type);
        }
    }

    public static ChunkHeader of(ChunkType type, boolean done, long cookie, long offset, long length) {
        return new ChunkHeader(done ? ReplyFlags.DONE : 0, type.code(), cookie, offset, length);
    }

    public static int size(boolean extended) {
        return extended ? EXTENDED_SIZE : COMPACT_SIZE;
    }

    public boolean isDone() {
        return (flags & ReplyFlags.DONE) != 0;
    }

    public boolean isError() {
        return ChunkType.isError(type);
    }

    /** The known chunk type, or {@code null}. */
    public ChunkType knownType() {
        return ChunkType.of(type);
    }

    @Override
    public int encodedLength() {
        return COMPACT_SIZE;
    }

    @Override
    public void encode(ByteBuffer out) {
        encode(out, false);
    }

    public void encode(ByteBuffer out, boolean extended) {
        write(out, extended, flags, type, cookie, offset, length);
    }

    /** Writes a chunk header without creating any object (hot path). */
    public static void write(ByteBuffer out, boolean extended, int flags, int type, long cookie, long offset,
            long length) {
        if (extended) {
            out.putInt(Magic.EXTENDED_REPLY).putShort((short) flags).putShort((short) type)
                    .putLong(cookie).putLong(offset).putLong(length);
        } else {
            if ((length >>> 32) != 0) {
                throw new IllegalArgumentException("chunk length " + Long.toUnsignedString(length)
                        + " needs extended headers");
            }
            out.putInt(Magic.STRUCTURED_REPLY).putShort((short) flags).putShort((short) type)
                    .putLong(cookie).putInt((int) length);
        }
    }

    /** Decodes a full header including the magic; see {@link #decodeAfterMagic}. */
    public static ChunkHeader decode(ByteBuffer in, boolean extended, Limits limits) throws ProtocolException {
        Wire.need(in, size(extended), "chunk header");
        int magic = in.getInt();
        int expected = extended ? Magic.EXTENDED_REPLY : Magic.STRUCTURED_REPLY;
        if (magic != expected) {
            throw new ProtocolException("bad chunk magic 0x" + Integer.toHexString(magic) + " (expected 0x"
                    + Integer.toHexString(expected) + ")");
        }
        return decodeAfterMagic(in, extended, limits);
    }

    /**
     * Decodes the rest of a header whose 4-byte magic the caller already read (to tell simple,
     * structured and extended replies apart). The payload length is checked against
     * {@link Limits#maxChunkLength()} before the caller reads or allocates anything for it.
     */
    public static ChunkHeader decodeAfterMagic(ByteBuffer in, boolean extended, Limits limits)
            throws ProtocolException {
        Wire.need(in, size(extended) - 4, "chunk header");
        int flags = Wire.u16(in.getShort());
        int type = Wire.u16(in.getShort());
        long cookie = in.getLong();
        long offset = extended ? in.getLong() : 0;
        long length = extended ? in.getLong() : Wire.u32(in.getInt());
        if (Long.compareUnsigned(length, limits.maxChunkLength()) > 0) {
            throw new ProtocolException(ChunkType.nameOf(type) + " chunk length " + Long.toUnsignedString(length)
                    + " exceeds limit " + limits.maxChunkLength() + " (cookie " + cookie + ")");
        }
        return new ChunkHeader(flags, type, cookie, offset, length);
    }

    @Override
    public String toString() {
        return ChunkType.nameOf(type) + "[flags=" + flags + ", cookie=" + cookie + ", offset="
                + Long.toUnsignedString(offset) + ", length=" + Long.toUnsignedString(length) + "]";
    }
}
