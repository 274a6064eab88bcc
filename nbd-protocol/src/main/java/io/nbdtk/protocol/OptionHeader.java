package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/**
 * An option request header: IHAVEOPT, u32 option, u32 data length (16 bytes). The {@code length}
 * bytes of data follow; decode them with the payload record of that option.
 */
public record OptionHeader(int option, int length) implements Encodable {
    public static final int SIZE = 16;

    public long lengthUnsigned() {
        return Wire.u32(length);
    }

    /** The known option, or {@code null}. */
    public Option knownOption() {
        return Option.of(option);
    }

    @Override
    public int encodedLength() {
        return SIZE;
    }

    @Override
    public void encode(ByteBuffer out) {
        out.putLong(Magic.IHAVEOPT).putInt(option).putInt(length);
    }

    /** Header plus payload in one buffer, ready to send. */
    public static ByteBuffer encode(Option option, Encodable payload) {
        int n = payload == null ? 0 : payload.encodedLength();
        ByteBuffer b = ByteBuffer.allocate(SIZE + n);
        new OptionHeader(option.code(), n).encode(b);
        if (payload != null) {
            payload.encode(b);
        }
        return b.flip();
    }

    /** Decodes and checks the magic and that the declared length is within the option limit. */
    public static OptionHeader decode(ByteBuffer in, Limits limits) throws ProtocolException {
        Wire.need(in, SIZE, "option header");
        long magic = in.getLong();
        if (magic != Magic.IHAVEOPT) {
            throw new ProtocolException("bad option magic 0x" + Long.toHexString(magic) + " (expected IHAVEOPT)");
        }
        int option = in.getInt();
        int length = in.getInt();
        if (Wire.u32(length) > limits.maxOptionLength()) {
            throw new ProtocolException(Option.nameOf(option) + " data length " + Wire.u32(length)
                    + " exceeds limit " + limits.maxOptionLength());
        }
        return new OptionHeader(option, length);
    }
}
