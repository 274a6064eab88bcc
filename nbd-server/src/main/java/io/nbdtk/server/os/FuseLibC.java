package io.nbdtk.server.os;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/**
 * The libc calls nbd-fuse's FUSE engine adds to {@link LibC}. Reads and writes on /dev/fuse go
 * through here rather than a FileChannel: a FileChannel's read and write share one position lock,
 * so a thread blocked in read() (the normal state of an idle worker) would block every other
 * thread's reply.
 * Public only because jnr-ffi implements it in another class loader.
 */
public interface FuseLibC extends LibC {
    long MS_RDONLY = 1;
    long MS_NOSUID = 2;
    long MS_NODEV = 4;
    long MS_NOEXEC = 8;
    long MS_NOATIME = 1024;

    @SaveError
    long read(int fd, Pointer buf, long count);

    @SaveError
    long write(int fd, Pointer buf, long count);

    @SaveError
    int mount(String source, String target, String fstype, long flags, String data);
}
