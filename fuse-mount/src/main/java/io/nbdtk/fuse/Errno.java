package io.nbdtk.fuse;

/**
 * The Linux errno values nbd-fuse hands back to the kernel. FUSE callbacks return them negated.
 * They are the generic Linux numbers (the same on x86-64 and arm64), which is all FUSE supports.
 */
final class Errno {
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EIO = 5;
    static final int EBADF = 9;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int EFBIG = 27;
    static final int ENOSPC = 28;
    static final int EROFS = 30;
    static final int EOPNOTSUPP = 95;
    static final int ESHUTDOWN = 108;
    static final int ENOSYS = 38;
    static final int ETIMEDOUT = 110;

    private Errno() {}
}
