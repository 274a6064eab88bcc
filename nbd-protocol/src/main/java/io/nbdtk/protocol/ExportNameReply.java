package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/**
 * The server's answer to NBD_OPT_EXPORT_NAME (no option reply framing): u64 size, u16
 * transmission flags, then 124 zero bytes unless both sides agreed on NO_ZEROES.
 */
public record ExportNameReply(long size, int transmissionFlags) {
    public static final int SHORT_SIZE = 10;
    public static final int ZEROES = 124;

    public static int size(boolean noZeroes) {
        return noZeroes ? SHORT_SIZE : SHORT_SIZE + ZEROES;
    }

    public void encode(ByteBuffer out, boolean noZeroes) {
        out.putLong(size).putShort((short) transmissionFlags);
        if (!noZeroes) {
            for (int i = 0; i < ZEROES; i++) {
                out.put((byte) 0);
            }
        }
    }

    public ByteBuffer toBuffer(boolean noZeroes) {
        ByteBuffer b = ByteBuffer.allocate(size(noZeroes));
        encode(b, noZeroes);
        return b.flip();
    }

    /** Decodes the reply; the padding, when expected, is skipped (its content is not checked). */
    public static ExportNameReply decode(ByteBuffer in, boolean noZeroes) throws ProtocolException {
        Wire.need(in, size(noZeroes), "EXPORT_NAME reply");
        ExportNameReply r = new ExportNameReply(in.getLong(), Wire.u16(in.getShort()));
        if (!noZeroes) {
            in.position(in.position() + ZEROES);
        }
        return r;
    }
}
