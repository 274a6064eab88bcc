package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/** The client's u32 answer to the greeting. */
public record ClientFlags(int flags) implements Encodable {
    public static final int SIZE = 4;

    public boolean fixedNewstyle() {
        return (flags & HandshakeFlags.C_FIXED_NEWSTYLE) != 0;
    }

    public boolean noZeroes() {
        return (flags & HandshakeFlags.C_NO_ZEROES) != 0;
    }

    /** Bits the server must refuse (disconnect): unknown ones or ones it did not advertise. */
    public int unexpectedBits(int advertisedHandshakeFlags) {
        return flags & ~(advertisedHandshakeFlags & HandshakeFlags.C_KNOWN);
    }

    @Override
    public int encodedLength() {
        return SIZE;
    }

    @Override
    public void encode(ByteBuffer out) {
        out.putInt(flags);
    }

    public static ClientFlags decode(ByteBuffer in) throws ProtocolException {
        Wire.need(in, SIZE, "client flags");
        return new ClientFlags(in.getInt());
    }
}
