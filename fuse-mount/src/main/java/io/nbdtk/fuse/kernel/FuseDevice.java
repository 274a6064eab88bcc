package io.nbdtk.fuse.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

import com.kenai.jffi.MemoryIO;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import io.nbdtk.server.os.FuseLibC;

/**
 * An open /dev/fuse connection: whole-message reads and writes of direct buffers from any number
 * of threads at once (the kernel hands each request to exactly one reader).
 */
public final class FuseDevice implements AutoCloseable {
    static final int EINTR = 4;
    static final int ENOENT = 2;
    static final int EAGAIN = 11;
    static final int ENODEV = 19;

    private static final class Lib {
        static final FuseLibC C = LibraryLoader.create(FuseLibC.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(C);
    }

    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    public FuseDevice(int fd) {
        this.fd = fd;
    }

    static FuseLibC libc() {
        return Lib.C;
    }

    static int lastErrno() {
        return Lib.RUNTIME.getLastError();
    }

    static String describe(int errno) {
        return Lib.C.strerror(errno) + " (errno " + errno + ")";
    }

    /** Opens /dev/fuse (close-on-exec: no child process may keep the connection alive). */
    static FuseDevice open() throws IOException {
        int fd = Lib.C.open("/dev/fuse", FuseLibC.O_RDWR | FuseLibC.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("cannot open /dev/fuse: " + describe(lastErrno()));
        }
        return new FuseDevice(fd);
    }

    public int fd() {
        return fd;
    }

    static Pointer pointer(ByteBuffer direct) {
        long address = MemoryIO.getInstance().getDirectBufferAddress(direct);
        return Pointer.wrap(Lib.RUNTIME, address, direct.capacity());
    }

    /**
     * Reads one request into {@code buf} (from its start). Returns its length, or -errno:
     * -ENODEV once the file system is unmounted or the connection aborted.
     */
    long read(Pointer buf, int capacity) {
        long n = Lib.C.read(fd, buf, capacity);
        return n >= 0 ? n : -lastErrno();
    }

    /** Writes one reply; returns 0 or -errno (-ENOENT: the request was interrupted meanwhile). */
    int write(Pointer buf, int length) {
        long n = Lib.C.write(fd, buf, length);
        return n >= 0 ? 0 : -lastErrno();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Lib.C.close(fd);
        }
    }
}
