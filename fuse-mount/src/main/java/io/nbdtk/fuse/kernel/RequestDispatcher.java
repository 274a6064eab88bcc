package io.nbdtk.fuse.kernel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Decodes one request's body by its opcode and calls the file system. Requests that need no
 * answer (FORGET, BATCH_FORGET, INTERRUPT) get none; unknown opcodes get ENOSYS, which the kernel
 * remembers for most of them and stops sending.
 */
public final class RequestDispatcher {
    static final int ENOSYS = 38;
    static final int EINVAL = 22;
    static final int EIO = 5;

    private final LowLevelFileSystem fs;

    public RequestDispatcher(LowLevelFileSystem fs) {
        this.fs = fs;
    }

    /** {@code body}: the bytes after the header, from position to limit. */
    public void dispatch(InHeader h, ByteBuffer body, ReplyWriter reply) {
        long node = h.nodeId();
        switch (h.opcode()) {
            case FuseProtocol.FORGET, FuseProtocol.BATCH_FORGET, FuseProtocol.INTERRUPT -> {
                // no reply: inodes here live as long as the mount, and requests are bounded by
                // the device's timeouts, so an interrupted one is simply answered when it ends
            }
            case FuseProtocol.LOOKUP -> fs.lookup(node, name(body), reply);
            case FuseProtocol.GETATTR -> fs.getattr(node, reply);
            case FuseProtocol.SETATTR -> {
                int valid = body.getInt(body.position());
                long size = body.getLong(body.position() + 16);
                long atime = body.getLong(body.position() + 32);
                long mtime = body.getLong(body.position() + 40);
                int mode = body.getInt(body.position() + 68);
                int uid = body.getInt(body.position() + 76);
                int gid = body.getInt(body.position() + 80);
                fs.setattr(node, new LowLevelFileSystem.SetAttr(valid, size, atime, mtime, mode, uid, gid), reply);
            }
            case FuseProtocol.OPEN -> fs.open(node, body.getInt(body.position()), reply);
            case FuseProtocol.OPENDIR -> fs.opendir(node, reply);
            case FuseProtocol.READDIR -> fs.readdir(node, body.getLong(body.position() + 8),
                    body.getInt(body.position() + 16), reply);
            case FuseProtocol.READ -> fs.read(node, body.getLong(body.position() + 8),
                    body.getInt(body.position() + 16), reply);
            case FuseProtocol.WRITE -> {
                long offset = body.getLong(body.position() + 8);
                int size = body.getInt(body.position() + 16);
                int dataStart = body.position() + FuseProtocol.WRITE_IN_SIZE;
                if (dataStart + (long) size > body.limit()) {
                    reply.error(EINVAL);
                    return;
                }
                ByteBuffer data = body.duplicate().order(body.order()).position(dataStart).limit(dataStart + size).slice();
                fs.write(node, offset, data, reply);
            }
            case FuseProtocol.FLUSH -> fs.flush(node, reply);
            case FuseProtocol.FSYNC -> fs.fsync(node, (body.getInt(body.position() + 8) & 1) != 0, reply);
            case FuseProtocol.FALLOCATE -> fs.fallocate(node, body.getInt(body.position() + 24),
                    body.getLong(body.position() + 8), body.getLong(body.position() + 16), reply);
            case FuseProtocol.STATFS -> fs.statfs(reply);
            case FuseProtocol.ACCESS -> fs.access(node, body.getInt(body.position()), reply);
            case FuseProtocol.CREATE -> {
                body.position(body.position() + 16); // fuse_create_in: flags, mode, umask, open_flags
                fs.create(node, name(body), reply);
            }
            case FuseProtocol.RELEASE, FuseProtocol.RELEASEDIR, FuseProtocol.FSYNCDIR, FuseProtocol.DESTROY -> reply.ok();
            default -> reply.error(ENOSYS);
        }
    }

    /** A NUL-terminated name at the body's position. */
    static String name(ByteBuffer body) {
        int start = body.position();
        int end = start;
        while (end < body.limit() && body.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        body.get(start, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
