package io.nbdtk.fuse.kernel;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_in_header}: every request from the kernel starts with it. {@code uid/gid/pid}
 * are the caller's; {@code nodeid} is the inode the request is about (1 is the root).
 */
public record InHeader(int length, int opcode, long unique, long nodeId, int uid, int gid, int pid) {
    /** Reads the header at the buffer's position and leaves the position after it. */
    public static InHeader decode(ByteBuffer b) {
        if (b.remaining() < FuseProtocol.IN_HEADER_SIZE) {
            throw new IllegalArgumentException("short FUSE request: " + b.remaining() + " bytes");
        }
        int len = b.getInt();
        int opcode = b.getInt();
        long unique = b.getLong();
        long node = b.getLong();
        int uid = b.getInt();
        int gid = b.getInt();
        int pid = b.getInt();
        b.getInt(); // total_extlen (extensions are only sent when asked for) + padding
        return new InHeader(len, opcode, unique, node, uid, gid, pid);
    }
}
