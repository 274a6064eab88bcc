package io.nbdtk.protocol;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Shared field helpers: bounds checks, unsigned values and strict NBD strings. */
public final class Wire {
    private Wire() {}

    /** Fails unless {@code in} still holds {@code n} bytes for {@code what}. */
    public static void need(ByteBuffer in, long n, String what) throws ProtocolException {
        if (in.remaining() < n) {
            throw new ProtocolException("truncated " + what + ": needs " + n + " bytes, "
                    + in.remaining() + " left");
        }
    }

    public static long u32(int v) {
        return Integer.toUnsignedLong(v);
    }

    public static int u16(short v) {
        return v & 0xFFFF;
    }

    /**
     * Whether the range [{@code offset}, {@code offset + length}) lies inside [0, {@code size}),
     * all three read as unsigned 64-bit values, without overflow.
     */
    public static boolean rangeWithin(long offset, long length, long size) {
        return Long.compareUnsigned(offset, size) <= 0
                && Long.compareUnsigned(length, size - offset) <= 0;
    }

    /**
     * Reads a string of {@code length} bytes (a length taken from the wire, unsigned) for the named
     * field: checked against the limit and the bytes left before allocating, then decoded as
     * strict UTF-8 without NUL.
     */
    public static String readString(ByteBuffer in, long length, Limits limits, String field)
            throws ProtocolException {
        if (length < 0 || length > limits.maxStringLength()) {
            throw new ProtocolException(field + " length " + (length < 0 ? Long.toUnsignedString(length) : length)
                    + " exceeds limit " + limits.maxStringLength());
        }
        need(in, length, field);
        int n = (int) length;
        ByteBuffer slice = in.slice();
        slice.limit(n);
        in.position(in.position() + n);
        return decodeUtf8(slice, field);
    }

    static String decodeUtf8(ByteBuffer bytes, String field) throws ProtocolException {
        for (int i = bytes.position(); i < bytes.limit(); i++) {
            if (bytes.get(i) == 0) {
                throw new ProtocolException(field + " contains a NUL byte at index " + (i - bytes.position()));
            }
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = decoder.decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException(field + " is not valid UTF-8", e);
        }
    }

    /**
     * UTF-8 bytes of a string we are about to send; rejects what the spec forbids (NUL, over 4096
     * bytes) because sending it would make a conforming peer drop us.
     */
    public static byte[] utf8(String s, String field) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(field + " must not contain NUL");
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > Limits.SPEC_MAX_STRING) {
            throw new IllegalArgumentException(field + " is " + b.length + " bytes, over the spec's "
                    + Limits.SPEC_MAX_STRING);
        }
        return b;
    }

    /** Fails unless {@code in} was consumed completely. */
    public static void expectEnd(ByteBuffer in, String what) throws ProtocolException {
        if (in.hasRemaining()) {
            throw new ProtocolException(what + " has " + in.remaining() + " unexpected trailing bytes");
        }
    }
}
