package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/**
 * A transmission request header. Compact (28 bytes): magic, u16 flags, u16 type, u64 cookie,
 * u64 offset, u32 length. Extended (32 bytes, after NBD_OPT_EXTENDED_HEADERS): same with a u64
 * length. Payload bytes (WRITE data) follow the header on the wire and are not part of this record,
 * so a server can stream them wherever it likes.
 *
 * @param flags command flags (u16)
 * @param type command type (u16), see {@link Command}
 * @param length u32 (compact) or u64 (extended), always read as unsigned
 */
public record RequestHeader(int flags, int type, long cookie, long offset, long length) implements Encodable {
    public static final int COMPACT_SIZE = 28;
    public static final int EXTENDED_SIZE = 32;

    public RequestHeader {
        if ((flags & ~0xFFFF) != 0 || (type & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("flags and type are u16: " + flags + ", " + type);
        }
    }

    public static RequestHeader of(Command command, int flags, long cookie, long offset, long length) {
        return new RequestHeader(flags, command.code(), cookie, offset, length);
    }

    public static int size(boolean extended) {
        return extended ? EXTENDED_SIZE : COMPACT_SIZE;
    }

    /** The known command, or {@code null} (no allocation). */
    public Command command() {
        return Command.of(type);
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    /**
     * How many payload bytes follow this header on the wire: WRITE always carries {@code length}
     * bytes; with extended headers any command flagged PAYLOAD_LEN does.
     */
    public long payloadLength(boolean extended) {
        if (type == Command.WRITE.code() || (extended && hasFlag(CommandFlags.PAYLOAD_LEN))) {
            return length;
        }
        return 0;
    }

    /** Whether [offset, offset+length) lies within an export of {@code size} bytes (unsigned, no overflow). */
    public boolean withinSize(long size) {
        return Wire.rangeWithin(offset, length, size);
    }

    /** The compact encoding; lengths over u32 need extended headers. */
    @Override
    public int encodedLength() {
        return COMPACT_SIZE;
    }

    @Override
    public void encode(ByteBuffer out) {
        encode(out, false);
    }

    public void encode(ByteBuffer out, boolean extended) {
        if (extended) {
            out.putInt(Magic.EXTENDED_REQUEST).putShort((short) flags).putShort((short) type)
                    .putLong(cookie).putLong(offset).putLong(length);
        } else {
            if ((length >>> 32) != 0) {
                throw new IllegalArgumentException("length " + Long.toUnsignedString(length)
                        + " needs extended headers");
            }
            out.putInt(Magic.REQUEST).putShort((short) flags).putShort((short) type)
                    .putLong(cookie).putLong(offset).putInt((int) length);
        }
    }

    /**
     * Decodes one header from {@code in} (which must hold {@link #size(boolean)} bytes). Only the
     * magic is validated; command, flags, range and payload size are the server's policy.
     */
    public static RequestHeader decode(ByteBuffer in, boolean extended) throws ProtocolException {
        Wire.need(in, size(extended), "request header");
        int magic = in.getInt();
        int expected = extended ? Magic.EXTENDED_REQUEST : Magic.REQUEST;
        if (magic != expected) {
            throw new ProtocolException("bad request magic 0x" + Integer.toHexString(magic) + " (expected 0x"
                    + Integer.toHexString(expected) + (extended ? ", extended headers" : "") + ")");
        }
        int flags = Wire.u16(in.getShort());
        int type = Wire.u16(in.getShort());
        long cookie = in.getLong();
        long offset = in.getLong();
        long length = extended ? in.getLong() : Wire.u32(in.getInt());
        return new RequestHeader(flags, type, cookie, offset, length);
    }

    @Override
    public String toString() {
        return Command.nameOf(type) + "[flags=" + CommandFlags.describe(flags) + ", cookie=" + cookie
                + ", offset=" + Long.toUnsignedString(offset) + ", length=" + Long.toUnsignedString(length) + "]";
    }
}
