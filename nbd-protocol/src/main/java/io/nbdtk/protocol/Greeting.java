package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/** The newstyle greeting: NBDMAGIC, IHAVEOPT, u16 handshake flags (18 bytes). */
public record Greeting(int handshakeFlags) implements Encodable {
    public static final int SIZE = 18;

    public Greeting {
        if ((handshakeFlags & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("handshake flags are u16: " + handshakeFlags);
        }
    }

    public boolean fixedNewstyle() {
        return (handshakeFlags & HandshakeFlags.FIXED_NEWSTYLE) != 0;
    }

    public boolean noZeroes() {
        return (handshakeFlags & HandshakeFlags.NO_ZEROES) != 0;
    }

    @Override
    public int encodedLength() {
        return SIZE;
    }

    @Override
    public void encode(ByteBuffer out) {
        out.putLong(Magic.NBDMAGIC).putLong(Magic.IHAVEOPT).putShort((short) handshakeFlags);
    }

    public static Greeting decode(ByteBuffer in) throws ProtocolException {
        Wire.need(in, SIZE, "greeting");
        long magic = in.getLong();
        if (magic != Magic.NBDMAGIC) {
            throw new ProtocolException("bad greeting magic 0x" + Long.toHexString(magic) + " (expected NBDMAGIC)");
        }
        long second = in.getLong();
        if (second == Magic.CLISERV_MAGIC) {
            throw new ProtocolException("server uses the obsolete oldstyle handshake (not supported)");
        }
        if (second != Magic.IHAVEOPT) {
            throw new ProtocolException("bad greeting magic 0x" + Long.toHexString(second) + " (expected IHAVEOPT)");
        }
        return new Greeting(Wire.u16(in.getShort()));
    }
}
