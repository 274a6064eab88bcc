package io.nbdtk.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Extended headers only: the optional BLOCK_STATUS payload (flag PAYLOAD_LEN, server advertises
 * BLOCK_STATUS_PAYLOAD): u64 effect length, then u32 context ids to restrict the answer to.
 */
public record BlockStatusPayload(long effectLength, List<Integer> contextIds) implements Encodable {
    public BlockStatusPayload {
        contextIds = List.copyOf(contextIds);
    }

    @Override
    public int encodedLength() {
        return 8 + 4 * contextIds.size();
    }

    @Override
    public void encode(ByteBuffer out) {
        out.putLong(effectLength);
        for (int id : contextIds) {
            out.putInt(id);
        }
    }

    /** Decodes a payload of {@code length} bytes (the request's length field, already bounded). */
    public static BlockStatusPayload decode(ByteBuffer in, long length, Limits limits) throws ProtocolException {
        if (length < 8 || (length - 8) % 4 != 0 || length > limits.maxOptionLength()) {
            throw new ProtocolException("BLOCK_STATUS payload length " + Long.toUnsignedString(length)
                    + " is not 8 + 4n within " + limits.maxOptionLength());
        }
        Wire.need(in, length, "BLOCK_STATUS payload");
        long effect = in.getLong();
        int n = (int) ((length - 8) / 4);
        List<Integer> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(in.getInt());
        }
        return new BlockStatusPayload(effect, ids);
    }
}
