package io.nbdtk.server.os;

import jnr.ffi.annotations.SaveError;

/**
 * The few libc calls nbdtk needs; loaded once by {@link Native}. Linux x86_64/aarch64 values.
 * Public only because jnr-ffi generates its implementation in another class loader.
 */
public interface LibC {
    int O_RDONLY = 0;
    int O_RDWR = 2;
    int O_CLOEXEC = 0x80000;

    int FALLOC_FL_KEEP_SIZE = 0x01;
    int FALLOC_FL_PUNCH_HOLE = 0x02;
    int FALLOC_FL_ZERO_RANGE = 0x10;

    int SEEK_DATA = 3;
    int SEEK_HOLE = 4;

    int POSIX_FADV_WILLNEED = 3;

    int ENXIO = 6;
    int EINVAL = 22;
    int ENOSYS = 38;
    int EOPNOTSUPP = 95;

    @SaveError
    int open(String path, int flags);

    @SaveError
    int close(int fd);

    @SaveError
    int fallocate(int fd, int mode, long offset, long length);

    @SaveError
    long lseek(int fd, long offset, int whence);

    /** Returns the error number directly (does not set errno). */
    int posix_fadvise(int fd, long offset, long length, int advice);

    String strerror(int errnum);
}
