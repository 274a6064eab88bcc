package io.nbdtk.server.os;

import java.nio.ByteBuffer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.LongLongByReference;

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

    int F_DUPFD_CLOEXEC = 1030;
    int F_SETPIPE_SZ = 1031;
    int F_GETPIPE_SZ = 1032;

    int SPLICE_F_MOVE = 1;
    int SPLICE_F_MORE = 4;
    int MSG_NOSIGNAL = 0x4000;
    int MSG_MORE = 0x8000;

    int SHUT_RD = 0;

    int EINTR = 4;
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

    @SaveError
    int pipe2(@Out int[] fds, int flags);

    @SaveError
    int fcntl(int fd, int cmd, int arg);

    @SaveError
    int shutdown(int fd, int how);

    /** An offset is null on the socket or pipe side (which has none). */
    @SaveError
    long splice(int fdIn, LongLongByReference offIn, int fdOut, LongLongByReference offOut, long len, int flags);

    @SaveError
    long send(int fd, @In ByteBuffer buf, long len, int flags);

    @SaveError
    long pwrite(int fd, @In ByteBuffer buf, long count, long offset);

    @SaveError
    long read(int fd, @Out ByteBuffer buf, long count);

    /** Returns the error number directly (does not set errno). */
    int posix_fadvise(int fd, long offset, long length, int advice);

    String strerror(int errnum);
}
