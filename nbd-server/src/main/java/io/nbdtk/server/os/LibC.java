package io.nbdtk.server.os;

import java.nio.ByteBuffer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.LongLongByReference;
import jnr.ffi.types.intptr_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;

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

    int PROT_READ = 1;
    int PROT_WRITE = 2;
    int MAP_SHARED = 1;
    int MSG_WAITALL = 0x100;
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

    /** The same call with a native address (a mapping of a file) instead of a buffer. */
    @SaveError
    long send(int fd, @intptr_t long address, @size_t long len, int flags);

    /** Takes and returns Pointers: declared with a long address, jnr-ffi 2.2 passes it wrongly (EINVAL). */
    /** Receives into a native address (a mapping of a file). */
    @SaveError
    long recv(int fd, @intptr_t long address, @size_t long len, int flags);

    @intptr_t
    long memcpy(@intptr_t long dst, @In ByteBuffer src, @size_t long n);

    @SaveError
    jnr.ffi.Pointer mmap(jnr.ffi.Pointer addr, @size_t long length, int prot, int flags, int fd, @off_t long offset);

    @SaveError
    int munmap(@intptr_t long addr, @size_t long length);

    @SaveError
    int mincore(@intptr_t long addr, @size_t long length, @Out byte[] vec);

    @SaveError
    long pwrite(int fd, @In ByteBuffer buf, long count, long offset);

    @SaveError
    long read(int fd, @Out ByteBuffer buf, long count);

    /** Returns the error number directly (does not set errno). */
    int posix_fadvise(int fd, long offset, long length, int advice);

    String strerror(int errnum);
}
