package io.nbdtk.fuse;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jnr.ffi.Pointer;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The libfuse 2 engine's view of {@link ExportFiles} (the {@code --engine=libfuse2} fallback):
 * jnr-fuse's path-based callbacks, translated. Every callback may run on any libfuse thread.
 */
final class ExportFileSystem extends FuseStubFS {
    /** libfuse 2 keeps the kernel at 32 pages per request: 128 KiB is the most one I/O carries. */
    static final int MAX_IO = 128 * 1024;

    private final ExportFiles files;
    private final CountDownLatch initialised = new CountDownLatch(1);
    /**
     * One direct buffer per libfuse thread, and a jnr view of it: the socket reads into / writes
     * from it without the JDK's hidden bounce buffer, and one memcpy moves it to/from libfuse's
     * buffer. (Handing libfuse's own memory to the client would save that copy, but a request that
     * times out could then be written into memory libfuse has already reused.)
     */
    private final ThreadLocal<IoBuffer> buffers = ThreadLocal.withInitial(() -> new IoBuffer(MAX_IO));

    private static final class IoBuffer {
        final ByteBuffer bytes;
        final Pointer pointer;

        IoBuffer(int capacity) {
            bytes = ByteBuffer.allocateDirect(capacity);
            // a raw-address pointer: its transfers are one memcpy (a pointer wrapping the
            // ByteBuffer object copies byte by byte: 4x the CPU of the whole request at 128 KiB)
            long address = com.kenai.jffi.MemoryIO.getInstance().getDirectBufferAddress(bytes);
            pointer = Pointer.wrap(jnr.ffi.Runtime.getSystemRuntime(), address, capacity);
        }
    }
    private volatile Runnable emergencyUnmount = () -> { };

    ExportFileSystem(ExportFiles files) {
        this.files = files;
    }

    /** Waits for libfuse's init, i.e. the kernel has accepted the mount and will send requests. */
    boolean awaitInitialised(long timeout, TimeUnit unit) throws InterruptedException {
        return initialised.await(timeout, unit);
    }

    void onJvmExitUnmount(Runnable r) {
        this.emergencyUnmount = r;
    }

    private ExportFiles.Entry entry(String path) {
        return path.length() > 1 && path.charAt(0) == '/' ? files.entry(path.substring(1)) : null;
    }

    /**
     * libfuse 2's {@code struct fuse_conn_info}: unsigned proto_major, proto_minor, async_read,
     * max_write, max_readahead, capable, want, max_background, congestion_threshold, ...
     */
    private static final int CONN_MAX_BACKGROUND = 28;
    private static final int CONN_CONGESTION_THRESHOLD = 32;
    static final int MAX_BACKGROUND = 64;

    /**
     * Allows more background requests (readahead) in flight than the kernel's default of 12: the
     * client pipelines them. (Async direct I/O cannot be asked for: libfuse 2.9 does not know
     * FUSE_CAP_ASYNC_DIO; the kernel engine can.)
     */
    @Override
    public Pointer init(Pointer conn) {
        if (conn != null) {
            conn.putInt(CONN_MAX_BACKGROUND, MAX_BACKGROUND);
            conn.putInt(CONN_CONGESTION_THRESHOLD, MAX_BACKGROUND * 3 / 4);
        }
        initialised.countDown();
        return null;
    }

    /** jnr-fuse's JVM shutdown hook calls this; its own version unmounts lazily even when already gone. */
    @Override
    public void umount() {
        emergencyUnmount.run();
    }

    @Override
    public int getattr(String path, FileStat stat) {
        stat.st_uid.set(files.uid());
        stat.st_gid.set(files.gid());
        if ("/".equals(path)) {
            stat.st_mode.set(FileStat.S_IFDIR | 0755);
            stat.st_nlink.set(2);
            setTimes(stat, files.mountTimeSeconds());
            return 0;
        }
        ExportFiles.Entry e = entry(path);
        if (e == null) {
            return -Errno.ENOENT;
        }
        long size = e.device.size();
        stat.st_mode.set(FileStat.S_IFREG | files.fileMode(e));
        stat.st_nlink.set(1);
        stat.st_size.set(size);
        stat.st_blksize.set(ExportFiles.BLOCK_SIZE);
        stat.st_blocks.set((size + 511) / 512);
        setTimes(stat, e.modifiedSeconds.get());
        return 0;
    }

    private void setTimes(FileStat stat, long mtime) {
        stat.st_atim.tv_sec.set(mtime);
        stat.st_mtim.tv_sec.set(mtime);
        stat.st_ctim.tv_sec.set(mtime);
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, long offset, FuseFileInfo fi) {
        if (!"/".equals(path)) {
            return entry(path) == null ? -Errno.ENOENT : -20 /* ENOTDIR */;
        }
        filter.apply(buf, ".", null, 0);
        filter.apply(buf, "..", null, 0);
        for (String name : files.names()) {
            filter.apply(buf, name, null, 0);
        }
        return 0;
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        ExportFiles.Entry e = entry(path);
        if (e == null) {
            return "/".equals(path) ? -Errno.EISDIR : -Errno.ENOENT;
        }
        return files.open(e, fi.flags.get());
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        ExportFiles.Entry e = entry(path);
        if (e == null) {
            return -Errno.ENOENT;
        }
        IoBuffer io = buffer((int) Math.max(0, Math.min(size, Integer.MAX_VALUE)));
        int n = files.read(e, offset, io.bytes);
        if (n > 0) {
            buf.transferFrom(0, io.pointer, 0, n);
        }
        return n;
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        ExportFiles.Entry e = entry(path);
        if (e == null) {
            return -Errno.ENOENT;
        }
        int n = (int) Math.max(0, Math.min(size, Integer.MAX_VALUE));
        IoBuffer io = buffer(n);
        buf.transferTo(0, io.pointer, 0, n);
        return files.write(e, offset, io.bytes);
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        ExportFiles.Entry e = entry(path);
        return e == null ? -Errno.ENOENT : files.fsync(e);
    }

    @Override
    public int fallocate(String path, int mode, long offset, long length, FuseFileInfo fi) {
        ExportFiles.Entry e = entry(path);
        return e == null ? -Errno.ENOENT : files.fallocate(e, mode, offset, length);
    }

    @Override
    public int truncate(String path, long size) {
        ExportFiles.Entry e = entry(path);
        return e == null ? -Errno.ENOENT : files.truncate(e, size);
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return truncate(path, size);
    }

    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;

    @Override
    public int utimens(String path, Timespec[] timespec) {
        ExportFiles.Entry e = entry(path);
        if (e == null) {
            return "/".equals(path) ? 0 : -Errno.ENOENT;
        }
        long now = System.currentTimeMillis() / 1000;
        if (timespec == null || timespec.length < 2) {
            return files.setModified(e, now);
        }
        long nsec = timespec[1].tv_nsec.longValue();
        if (nsec == UTIME_OMIT) {
            return files.writable(e) ? 0 : -Errno.EROFS;
        }
        return files.setModified(e, nsec == UTIME_NOW ? now : timespec[1].tv_sec.get());
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return files.create(path.startsWith("/") ? path.substring(1) : path);
    }

    @Override
    public int statfs(String path, Statvfs st) {
        long total = files.totalBytes();
        st.f_bsize.set(ExportFiles.BLOCK_SIZE);
        st.f_frsize.set(ExportFiles.BLOCK_SIZE);
        st.f_blocks.set((total + ExportFiles.BLOCK_SIZE - 1) / ExportFiles.BLOCK_SIZE);
        st.f_bfree.set(0);
        st.f_bavail.set(0);
        st.f_files.set(files.names().size() + 1L);
        st.f_ffree.set(0);
        st.f_favail.set(0);
        st.f_namemax.set(255);
        st.f_flag.set(files.readOnlyMount() ? Statvfs.ST_RDONLY : 0);
        return 0;
    }

    private IoBuffer buffer(int n) {
        IoBuffer b = buffers.get();
        if (b.bytes.capacity() < n) { // only if the kernel sends more than it was told to
            b = new IoBuffer(n);
            buffers.set(b);
        }
        b.bytes.clear().limit(n);
        return b;
    }
}
