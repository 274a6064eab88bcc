package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/**
 * A payload that is one string filling all of it: the EXPORT_NAME option data and the optional
 * human-readable message of an option error reply.
 */
public record StringPayload(String text) implements Encodable {
    public StringPayload {
        Wire.utf8(text, "string");
    }

    @Override
    public int encodedLength() {
        return Wire.utf8(text, "string").length;
    }

    @Override
    public void encode(ByteBuffer out) {
        out.put(Wire.utf8(text, "string"));
    }

    /** Reads the rest of {@code in} as the named string field. */
    public static StringPayload decode(ByteBuffer in, Limits limits, String field) throws ProtocolException {
        return new StringPayload(Wire.readString(in, in.remaining(), limits, field));
    }
}
