package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/** A message or payload that knows its wire size and writes itself at a buffer's position. */
public interface Encodable {
    int encodedLength();

    void encode(ByteBuffer out);

    /** A fresh buffer holding exactly this message, flipped for reading or sending. */
    default ByteBuffer toBuffer() {
        ByteBuffer b = ByteBuffer.allocate(encodedLength());
        encode(b);
        return b.flip();
    }
}
