package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/** A simple reply: magic, u32 error, u64 cookie (16 bytes); READ data follows on success. */
public record SimpleReplyHeader(int error, long cookie) implements Encodable {
    public static final int SIZE = 16;

    public static SimpleReplyHeader ok(long cookie) {
        return new SimpleReplyHeader(0, cookie);
    }

    public static SimpleReplyHeader error(NbdError error, long cookie) {
        return new SimpleReplyHeader(error.code(), cookie);
    }

    @Override
    public int encodedLength() {
        return SIZE;
    }

    @Override
    public void encode(ByteBuffer out) {
        write(out, error, cookie);
    }

    /** Writes a simple reply header without creating any object (hot path). */
    public static void write(ByteBuffer out, int error, long cookie) {
        out.putInt(Magic.SIMPLE_REPLY).putInt(error).putLong(cookie);
    }

    public static SimpleReplyHeader decode(ByteBuffer in) throws ProtocolException {
        Wire.need(in, SIZE, "simple reply");
        int magic = in.getInt();
        if (magic != Magic.SIMPLE_REPLY) {
            throw new ProtocolException("bad simple reply magic 0x" + Integer.toHexString(magic));
        }
        return decodeAfterMagic(in);
    }

    /** Decodes the 12 bytes after a magic the caller already read. */
    public static SimpleReplyHeader decodeAfterMagic(ByteBuffer in) throws ProtocolException {
        Wire.need(in, SIZE - 4, "simple reply");
        return new SimpleReplyHeader(in.getInt(), in.getLong());
    }
}
