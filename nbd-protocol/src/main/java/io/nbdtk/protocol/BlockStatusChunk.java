package io.nbdtk.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A block status chunk for one metadata context. Compact (NBD_REPLY_TYPE_BLOCK_STATUS): u32
 * context id, n x (u32 length, u32 flags). Extended (NBD_REPLY_TYPE_BLOCK_STATUS_EXT): u32 context
 * id, u32 n, n x (u64 length, u64 flags). At least one extent, each of non-zero length.
 */
public record BlockStatusChunk(int contextId, List<Extent> extents) {
    public BlockStatusChunk {
        extents = List.copyOf(extents);
        if (extents.isEmpty()) {
            throw new IllegalArgumentException("a block status chunk needs at least one extent");
        }
    }

    public ChunkType type(boolean extended) {
        return extended ? ChunkType.BLOCK_STATUS_EXT : ChunkType.BLOCK_STATUS;
    }

    public int encodedLength(boolean extended) {
        return extended ? 8 + 16 * extents.size() : 4 + 8 * extents.size();
    }

    public ChunkHeader header(boolean extended, boolean done, long cookie, long requestOffset) {
        return ChunkHeader.of(type(extended), done, cookie, requestOffset, encodedLength(extended));
    }

    public void encode(ByteBuffer out, boolean extended) {
        out.putInt(contextId);
        if (extended) {
            out.putInt(extents.size());
            for (Extent e : extents) {
                out.putLong(e.length()).putLong(e.flags());
            }
        } else {
            for (Extent e : extents) {
                if ((e.length() >>> 32) != 0 || (e.flags() >>> 32) != 0) {
                    throw new IllegalArgumentException("extent " + e + " needs BLOCK_STATUS_EXT");
                }
                out.putInt((int) e.length()).putInt((int) e.flags());
            }
        }
    }

    /** Decodes the payload of {@code chunk} (type BLOCK_STATUS or BLOCK_STATUS_EXT). */
    public static BlockStatusChunk decode(ChunkHeader chunk, ByteBuffer in) throws ProtocolException {
        boolean extended = chunk.type() == ChunkType.BLOCK_STATUS_EXT.code();
        if (!extended && chunk.type() != ChunkType.BLOCK_STATUS.code()) {
            throw new ProtocolException("not a block status chunk: " + ChunkType.nameOf(chunk.type()));
        }
        long len = chunk.length();
        Wire.need(in, len, ChunkType.nameOf(chunk.type()));
        int contextId;
        long count;
        if (extended) {
            if (len < 8 + 16 || (len - 8) % 16 != 0) {
                throw new ProtocolException("BLOCK_STATUS_EXT chunk length " + len + " is not 8 + 16n (n >= 1)");
            }
            contextId = in.getInt();
            count = Wire.u32(in.getInt());
            if (count != (len - 8) / 16) {
                throw new ProtocolException("BLOCK_STATUS_EXT declares " + count + " extents but has room for "
                        + (len - 8) / 16);
            }
        } else {
            if (len < 4 + 8 || (len - 4) % 8 != 0) {
                throw new ProtocolException("BLOCK_STATUS chunk length " + len + " is not 4 + 8n (n >= 1)");
            }
            contextId = in.getInt();
            count = (len - 4) / 8;
        }
        List<Extent> extents = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            long length = extended ? in.getLong() : Wire.u32(in.getInt());
            long flags = extended ? in.getLong() : Wire.u32(in.getInt());
            if (length == 0) {
                throw new ProtocolException("block status extent " + i + " has zero length");
            }
            extents.add(new Extent(length, flags));
        }
        return new BlockStatusChunk(contextId, extents);
    }
}
