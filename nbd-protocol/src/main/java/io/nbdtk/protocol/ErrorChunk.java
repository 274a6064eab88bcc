package io.nbdtk.protocol;

import java.nio.ByteBuffer;
import java.util.OptionalLong;

/**
 * An error chunk: u32 error (non-zero), u16 message length, message; NBD_REPLY_TYPE_ERROR_OFFSET
 * adds the u64 offset where the error happened. Unknown chunk types with bit 15 set share the
 * leading error and message fields and decode here too.
 */
public record ErrorChunk(int error, String message, OptionalLong offset) {
    public ErrorChunk {
        if (error == 0) {
            throw new IllegalArgumentException("an error chunk needs a non-zero error");
        }
        byte[] m = Wire.utf8(message, "error message");
        if (m.length > 0xFFFF) {
            throw new IllegalArgumentException("error message too long: " + m.length);
        }
    }

    public static ErrorChunk of(NbdError error, String message) {
        return new ErrorChunk(error.code(), message, OptionalLong.empty());
    }

    public static ErrorChunk at(NbdError error, String message, long offset) {
        return new ErrorChunk(error.code(), message, OptionalLong.of(offset));
    }

    public ChunkType type() {
        return offset.isPresent() ? ChunkType.ERROR_OFFSET : ChunkType.ERROR;
    }

    public int encodedLength() {
        return 6 + Wire.utf8(message, "error message").length + (offset.isPresent() ? 8 : 0);
    }

    /** Error chunks always end a reply here: they are sent with DONE set. */
    public ChunkHeader header(boolean done, long cookie, long requestOffset) {
        return ChunkHeader.of(type(), done, cookie, requestOffset, encodedLength());
    }

    public void encode(ByteBuffer out) {
        byte[] m = Wire.utf8(message, "error message");
        out.putInt(error).putShort((short) m.length).put(m);
        if (offset.isPresent()) {
            out.putLong(offset.getAsLong());
        }
    }

    /** Decodes the payload of {@code chunk}, whose type must have the error bit. */
    public static ErrorChunk decode(ChunkHeader chunk, ByteBuffer in, Limits limits) throws ProtocolException {
        if (!chunk.isError()) {
            throw new ProtocolException("not an error chunk: " + ChunkType.nameOf(chunk.type()));
        }
        boolean withOffset = chunk.type() == ChunkType.ERROR_OFFSET.code();
        long len = chunk.length();
        if (len < 6) {
            throw new ProtocolException(ChunkType.nameOf(chunk.type()) + " chunk length " + len + " is below 6");
        }
        Wire.need(in, len, ChunkType.nameOf(chunk.type()));
        int error = in.getInt();
        int messageLength = Wire.u16(in.getShort());
        long expected = 6L + messageLength + (withOffset ? 8 : 0);
        if (withOffset ? len != expected : len < expected) {
            throw new ProtocolException(ChunkType.nameOf(chunk.type()) + " message length " + messageLength
                    + " does not match chunk length " + len);
        }
        if (error == 0) {
            throw new ProtocolException(ChunkType.nameOf(chunk.type()) + " with error value 0");
        }
        String message = Wire.readString(in, messageLength, limits, "error chunk message");
        OptionalLong offset = withOffset ? OptionalLong.of(in.getLong()) : OptionalLong.empty();
        // unknown error chunk types may carry more data after the message: skip it
        in.position(in.position() + (int) (len - (6L + messageLength + (withOffset ? 8 : 0))));
        return new ErrorChunk(error, message, offset);
    }
}
