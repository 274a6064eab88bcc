package io.nbdtk.fuse.kernel;

/**
 * The numbers of the Linux FUSE kernel protocol (include/uapi/linux/fuse.h, protocol 7.x) that
 * this engine uses: opcodes, INIT flags, open flags, setattr bits and structure sizes. All
 * structures are little-endian on the machines nbd-fuse runs on (native order, x86-64/arm64).
 */
public final class FuseProtocol {
    private FuseProtocol() {}

    public static final int KERNEL_MAJOR = 7;
    /** The newest minor version whose structures this engine knows (7.38: Linux 6.2). */
    public static final int KERNEL_MINOR = 38;
    public static final long ROOT_ID = 1;

    // opcodes
    public static final int LOOKUP = 1;
    public static final int FORGET = 2;
    public static final int GETATTR = 3;
    public static final int SETATTR = 4;
    public static final int OPEN = 14;
    public static final int READ = 15;
    public static final int WRITE = 16;
    public static final int STATFS = 17;
    public static final int RELEASE = 18;
    public static final int FSYNC = 20;
    public static final int FLUSH = 25;
    public static final int INIT = 26;
    public static final int OPENDIR = 27;
    public static final int READDIR = 28;
    public static final int RELEASEDIR = 29;
    public static final int FSYNCDIR = 30;
    public static final int ACCESS = 34;
    public static final int CREATE = 35;
    public static final int INTERRUPT = 36;
    public static final int DESTROY = 38;
    public static final int BATCH_FORGET = 42;
    public static final int FALLOCATE = 43;
    public static final int READDIRPLUS = 44;

    // INIT flags (fuse_init_in/out.flags)
    public static final int ASYNC_READ = 1 << 0;
    public static final int BIG_WRITES = 1 << 5;
    public static final int ASYNC_DIO = 1 << 15;
    public static final int PARALLEL_DIROPS = 1 << 18;
    public static final int MAX_PAGES = 1 << 22;
    public static final int INIT_EXT = 1 << 30;

    // fuse_open_out.open_flags
    public static final int FOPEN_DIRECT_IO = 1 << 0;
    public static final int FOPEN_KEEP_CACHE = 1 << 1;
    public static final int FOPEN_PARALLEL_DIRECT_WRITES = 1 << 6;

    // fuse_setattr_in.valid
    public static final int FATTR_MODE = 1 << 0;
    public static final int FATTR_UID = 1 << 1;
    public static final int FATTR_GID = 1 << 2;
    public static final int FATTR_SIZE = 1 << 3;
    public static final int FATTR_ATIME = 1 << 4;
    public static final int FATTR_MTIME = 1 << 5;
    public static final int FATTR_ATIME_NOW = 1 << 7;
    public static final int FATTR_MTIME_NOW = 1 << 8;

    // sizes
    public static final int IN_HEADER_SIZE = 40;
    public static final int OUT_HEADER_SIZE = 16;
    public static final int WRITE_IN_SIZE = 40;
    /** Room for a request's header and fixed part in front of a WRITE's data. */
    public static final int HEADER_ROOM = 4096;
}
