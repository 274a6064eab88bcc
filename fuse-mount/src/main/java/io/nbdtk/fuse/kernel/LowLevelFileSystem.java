package io.nbdtk.fuse.kernel;

import java.nio.ByteBuffer;

/**
 * The operations the engine hands to a file system, by inode number (1 is the root). Every
 * method must answer through {@code reply} exactly once; it may be called from many threads at
 * once. Operations without a method here are answered ENOSYS by {@link RequestDispatcher}.
 */
public interface LowLevelFileSystem {
    void lookup(long parent, String name, ReplyWriter reply);

    void getattr(long node, ReplyWriter reply);

    void setattr(long node, SetAttr change, ReplyWriter reply);

    void open(long node, int flags, ReplyWriter reply);

    void opendir(long node, ReplyWriter reply);

    void readdir(long node, long offset, int size, ReplyWriter reply);

    void read(long node, long offset, int size, ReplyWriter reply);

    /** {@code data} is valid only during the call. */
    void write(long node, long offset, ByteBuffer data, ReplyWriter reply);

    void flush(long node, ReplyWriter reply);

    void fsync(long node, boolean dataOnly, ReplyWriter reply);

    void fallocate(long node, int mode, long offset, long length, ReplyWriter reply);

    void statfs(ReplyWriter reply);

    void access(long node, int mask, ReplyWriter reply);

    void create(long parent, String name, ReplyWriter reply);

    /** {@code struct fuse_setattr_in}: {@code valid} says which fields are meant (FATTR_*). */
    record SetAttr(int valid, long size, long atime, long mtime, int mode, int uid, int gid) {
        public boolean has(int fattr) {
            return (valid & fattr) != 0;
        }
    }
}
