package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/**
 * An option reply header: option reply magic, u32 option echoed, u32 reply type, u32 length
 * (20 bytes); {@code length} payload bytes follow.
 */
public record OptionReplyHeader(int option, int type, int length) implements Encodable {
    public static final int SIZE = 20;

    public boolean isError() {
        return OptionReplyType.isError(type);
    }

    /** The known reply type, or {@code null}. */
    public OptionReplyType knownType() {
        return OptionReplyType.of(type);
    }

    @Override
    public int encodedLength() {
        return SIZE;
    }

    @Override
    public void encode(ByteBuffer out) {
        out.putLong(Magic.OPTION_REPLY).putInt(option).putInt(type).putInt(length);
    }

    /** Header plus payload (may be null) in one buffer, ready to send. */
    public static ByteBuffer encode(int option, OptionReplyType type, Encodable payload) {
        int n = payload == null ? 0 : payload.encodedLength();
        ByteBuffer b = ByteBuffer.allocate(SIZE + n);
        new OptionReplyHeader(option, type.code(), n).encode(b);
        if (payload != null) {
            payload.encode(b);
        }
        return b.flip();
    }

    public static OptionReplyHeader decode(ByteBuffer in, Limits limits) throws ProtocolException {
        Wire.need(in, SIZE, "option reply header");
        long magic = in.getLong();
        if (magic != Magic.OPTION_REPLY) {
            throw new ProtocolException("bad option reply magic 0x" + Long.toHexString(magic));
        }
        int option = in.getInt();
        int type = in.getInt();
        int length = in.getInt();
        if (Wire.u32(length) > limits.maxOptionLength()) {
            throw new ProtocolException(OptionReplyType.nameOf(type) + " reply to " + Option.nameOf(option)
                    + " has length " + Wire.u32(length) + ", over limit " + limits.maxOptionLength());
        }
        return new OptionReplyHeader(option, type, length);
    }

    /** Fails unless this reply answers {@code expected} (servers must echo the option). */
    public void expectOption(int expected) throws ProtocolException {
        if (option != expected) {
            throw new ProtocolException("server replied to " + Option.nameOf(option) + " while "
                    + Option.nameOf(expected) + " was pending");
        }
    }
}
