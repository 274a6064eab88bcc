package io.nbdtk.server.os;

import io.nbdtk.server.store.StoreException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A native file descriptor opened alongside a {@code FileChannel} on the same file, for the calls
 * NIO lacks: hole punching, zero ranges, SEEK_DATA/SEEK_HOLE and read-ahead advice. Opening the
 * file a second time avoids reflection into {@code sun.nio.ch}; both descriptors share the inode.
 *
 * <p>Each feature degrades on its own: when the kernel or file system refuses a call with
 * EOPNOTSUPP/ENOSYS/EINVAL the feature is switched off for this file and {@link #unavailable}
 * explains why, so callers fall back instead of failing the request.
 */
public final class NativeFile implements Closeable {
    private final Native nat;
    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String punchUnavailable;
    private volatile String zeroRangeUnavailable;
    private volatile String seekUnavailable;

    private NativeFile(Native nat, int fd) {
        this.nat = nat;
        this.fd = fd;
    }

    /**
     * Opens {@code path} natively, or explains why not (not on the default file system, native
     * calls unavailable, open failed).
     */
    public static Result open(Path path, boolean writable) {
        if (path.getFileSystem() != FileSystems.getDefault()) {
            return new Result(null, "unavailable: " + path.getFileSystem().provider().getScheme()
                    + " file system has no native descriptor");
        }
        Native nat = Native.get();
        if (!nat.available()) {
            return new Result(null, nat.status());
        }
        int flags = (writable ? LibC.O_RDWR : LibC.O_RDONLY) | LibC.O_CLOEXEC;
        int fd = nat.libc().open(path.toAbsolutePath().toString(), flags);
        if (fd < 0) {
            return new Result(null, "unavailable: open " + path + ": " + nat.describe(nat.lastErrno()));
        }
        return new Result(new NativeFile(nat, fd), "available");
    }

    /** The outcome of {@link #open}: the file, or the reason there is none. */
    public record Result(NativeFile file, String status) {
        public Optional<NativeFile> get() {
            return Optional.ofNullable(file);
        }
    }

    /**
     * Deallocates {@code [offset, offset+length)} keeping the file size (reads return zeros).
     * Returns false when hole punching is unsupported here; throws on a real I/O error.
     */
    public boolean punchHole(long offset, long length) throws IOException {
        if (punchUnavailable != null) {
            return false;
        }
        String why = fallocate(LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, offset, length);
        if (why != null) {
            punchUnavailable = why;
            return false;
        }
        return true;
    }

    /** Zeroes a range in place, keeping it allocated (FALLOC_FL_ZERO_RANGE); false if unsupported. */
    public boolean zeroRange(long offset, long length) throws IOException {
        if (zeroRangeUnavailable != null) {
            return false;
        }
        String why = fallocate(LibC.FALLOC_FL_ZERO_RANGE | LibC.FALLOC_FL_KEEP_SIZE, offset, length);
        if (why != null) {
            zeroRangeUnavailable = why;
            return false;
        }
        return true;
    }

    /** null on success, a reason when the operation is unsupported; IOException otherwise. */
    private String fallocate(int mode, long offset, long length) throws IOException {
        if (length == 0) {
            return null;
        }
        if (nat.libc().fallocate(fd, mode, offset, length) == 0) {
            return null;
        }
        int errno = nat.lastErrno();
        if (errno == LibC.EOPNOTSUPP || errno == LibC.ENOSYS || errno == LibC.EINVAL) {
            return "unavailable: fallocate mode " + mode + ": " + nat.describe(errno);
        }
        throw new IOException("fallocate: " + nat.describe(errno));
    }

    public boolean canPunchHoles() {
        return punchUnavailable == null;
    }

    /** Why SEEK_DATA/SEEK_HOLE are not used, or null while they work. */
    public String seekUnavailable() {
        return seekUnavailable;
    }

    public String punchUnavailable() {
        return punchUnavailable;
    }

    /**
     * Start of the next data at or after {@code offset}: -1 when only a hole follows up to the
     * end of the file, -2 when SEEK_DATA is unsupported here.
     */
    public long seekData(long offset) throws IOException {
        return seek(offset, LibC.SEEK_DATA);
    }

    /** Start of the next hole at or after {@code offset} (EOF counts as a hole); -2 if unsupported. */
    public long seekHole(long offset) throws IOException {
        return seek(offset, LibC.SEEK_HOLE);
    }

    private long seek(long offset, int whence) throws IOException {
        if (seekUnavailable != null) {
            return -2;
        }
        long r = nat.libc().lseek(fd, offset, whence);
        if (r >= 0) {
            return r;
        }
        int errno = nat.lastErrno();
        if (errno == LibC.ENXIO) {
            return -1;
        }
        if (errno == LibC.EINVAL || errno == LibC.EOPNOTSUPP || errno == LibC.ENOSYS) {
            seekUnavailable = "unavailable: lseek SEEK_DATA/SEEK_HOLE: " + nat.describe(errno);
            return -2;
        }
        throw new IOException("lseek: " + nat.describe(errno));
    }

    int fd() {
        return fd;
    }

    /**
     * Writes the remaining bytes of {@code src} (a direct buffer) at {@code offset}; a failure
     * is a StoreException naming the client's error.
     */
    public void pwriteFully(ByteBuffer src, long offset) throws StoreException {
        if (!src.isDirect()) {
            throw new IllegalArgumentException("pwriteFully needs a direct buffer");
        }
        long pos = offset;
        while (src.hasRemaining()) {
            long n = nat.libc().pwrite(fd, src, src.remaining(), pos);
            if (n < 0) {
                int errno = nat.lastErrno();
                if (errno == LibC.EINTR) {
                    continue;
                }
                throw new StoreException(SocketSplice.errorOf(errno), "pwrite: " + nat.describe(errno));
            }
            src.position(src.position() + (int) n);
            pos += n;
        }
    }

    /** Asks the kernel to read ahead (a hint; failures are ignored because CACHE promises nothing). */
    public void willNeed(long offset, long length) {
        nat.libc().posix_fadvise(fd, offset, length, LibC.POSIX_FADV_WILLNEED);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            nat.libc().close(fd);
        }
    }
}
