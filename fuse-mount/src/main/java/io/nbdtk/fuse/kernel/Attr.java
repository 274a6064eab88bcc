package io.nbdtk.fuse.kernel;

import java.nio.ByteBuffer;

/** {@code struct fuse_attr}: what stat() shows. Times are whole seconds. */
public record Attr(long ino, long size, long blocks, long mtimeSeconds, int mode, int nlink, int uid, int gid,
        int blksize) {
    public static final int SIZE = 88;

    public void encode(ByteBuffer b) {
        b.putLong(ino).putLong(size).putLong(blocks);
        b.putLong(mtimeSeconds).putLong(mtimeSeconds).putLong(mtimeSeconds); // atime, mtime, ctime
        b.putInt(0).putInt(0).putInt(0); // their nanoseconds
        b.putInt(mode).putInt(nlink).putInt(uid).putInt(gid);
        b.putInt(0); // rdev
        b.putInt(blksize);
        b.putInt(0); // flags
    }
}
