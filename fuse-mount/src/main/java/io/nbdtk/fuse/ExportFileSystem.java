package io.nbdtk.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.security.auth.module.UnixSystem;

import jnr.ffi.Pointer;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The mounted directory: one regular file per export, nothing else. Sizes are fixed by the
 * exports, so create/unlink/truncate are refused. Every callback may run on any libfuse thread at
 * the same time; the state here is immutable apart from atomics, and devices are thread-safe.
 */
final class ExportFileSystem extends FuseStubFS {
    static final int BLOCK_SIZE = 4096;
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final int FALLOC_FL_ZERO_RANGE = 0x10;
    /** Chunk for zeroing by writes when the server has no WRITE_ZEROES. */
    private static final int ZERO_CHUNK = 1 << 20;

    private final Map<String, Entry> files = new LinkedHashMap<>();
    private final boolean readOnlyMount;
    private final long uid;
    private final long gid;
    private final long mountTimeSeconds = System.currentTimeMillis() / 1000;
    private final CountDownLatch initialised = new CountDownLatch(1);
    /**
     * One direct buffer per libfuse thread, and a jnr view of it: the socket reads into / writes
     * from it without the JDK's hidden bounce buffer, and one memcpy moves it to/from libfuse's
     * buffer. (Handing libfuse's own memory to the client would save that copy, but a request that
     * times out could then be written into memory libfuse has already reused.)
     */
    private final ThreadLocal<IoBuffer> buffers = ThreadLocal.withInitial(() -> new IoBuffer(MountOptions.MAX_IO));

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

    private static final class Entry {
        final BlockDevice device;
        final AtomicLong modifiedSeconds;

        Entry(BlockDevice device, long now) {
            this.device = device;
            this.modifiedSeconds = new AtomicLong(now);
        }
    }

    ExportFileSystem(List<ExportFile> exports, boolean readOnlyMount) {
        this.readOnlyMount = readOnlyMount;
        UnixSystem me = new UnixSystem();
        this.uid = me.getUid();
        this.gid = me.getGid();
        for (ExportFile f : exports) {
            if (files.putIfAbsent(f.name(), new Entry(f.device(), mountTimeSeconds)) != null) {
                throw new IllegalArgumentException("two exports map to the file name '" + f.name() + "'");
            }
        }
    }

    List<String> fileNames() {
        return new ArrayList<>(files.keySet());
    }

    /** Waits for libfuse's init, i.e. the kernel has accepted the mount and will send requests. */
    boolean awaitInitialised(long timeout, TimeUnit unit) throws InterruptedException {
        return initialised.await(timeout, unit);
    }

    void onJvmExitUnmount(Runnable r) {
        this.emergencyUnmount = r;
    }

    private boolean writable(Entry e) {
        return !readOnlyMount && !e.device.isReadOnly();
    }

    private Entry entry(String path) {
        return path.length() > 1 && path.charAt(0) == '/' ? files.get(path.substring(1)) : null;
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
     * FUSE_CAP_ASYNC_DIO, so the kernel keeps one O_DIRECT read and one write in flight per open
     * file; see docs/nbd-fuse.md.)
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
        stat.st_uid.set(uid);
        stat.st_gid.set(gid);
        if ("/".equals(path)) {
            stat.st_mode.set(FileStat.S_IFDIR | 0755);
            stat.st_nlink.set(2);
            setTimes(stat, mountTimeSeconds);
            return 0;
        }
        Entry e = entry(path);
        if (e == null) {
            return -Errno.ENOENT;
        }
        long size = e.device.size();
        stat.st_mode.set(FileStat.S_IFREG | (writable(e) ? 0644 : 0444));
        stat.st_nlink.set(1);
        stat.st_size.set(size);
        stat.st_blksize.set(BLOCK_SIZE);
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
        for (String name : files.keySet()) {
            filter.apply(buf, name, null, 0);
        }
        return 0;
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        Entry e = entry(path);
        if (e == null) {
            return "/".equals(path) ? -Errno.EISDIR : -Errno.ENOENT;
        }
        boolean forWrite = (fi.flags.get() & O_ACCMODE) != O_RDONLY;
        return forWrite && !writable(e) ? -Errno.EROFS : 0;
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        Entry e = entry(path);
        if (e == null) {
            return -Errno.ENOENT;
        }
        long end = e.device.size();
        if (offset >= end || size <= 0) {
            return 0;
        }
        int n = (int) Math.min(size, end - offset);
        IoBuffer io = buffer(n);
        try {
            e.device.read(offset, io.bytes);
        } catch (IOException ex) {
            return -errnoOf(ex);
        }
        buf.transferFrom(0, io.pointer, 0, n);
        return n;
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        Entry e = entry(path);
        if (e == null) {
            return -Errno.ENOENT;
        }
        if (!writable(e)) {
            return -Errno.EROFS;
        }
        long end = e.device.size();
        if (offset >= end) {
            return size == 0 ? 0 : -Errno.ENOSPC; // like writing past the end of a block device
        }
        int n = (int) Math.min(size, end - offset); // a short write; the next one gets ENOSPC
        IoBuffer io = buffer(n);
        buf.transferTo(0, io.pointer, 0, n);
        try {
            e.device.write(offset, io.bytes);
        } catch (IOException ex) {
            return -errnoOf(ex);
        }
        e.modifiedSeconds.set(System.currentTimeMillis() / 1000);
        return n;
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        Entry e = entry(path);
        if (e == null) {
            return -Errno.ENOENT;
        }
        if (!writable(e) || !e.device.canFlush()) {
            return 0; // nothing can be dirty on the server, or it has no cache to flush
        }
        try {
            e.device.flush();
            return 0;
        } catch (IOException ex) {
            return -errnoOf(ex);
        }
    }

    @Override
    public int fallocate(String path, int mode, long offset, long length, FuseFileInfo fi) {
        Entry e = entry(path);
        if (e == null) {
            return -Errno.ENOENT;
        }
        if (!writable(e)) {
            return -Errno.EROFS;
        }
        if (offset < 0 || length <= 0) {
            return -Errno.EINVAL;
        }
        boolean keepSize = (mode & FALLOC_FL_KEEP_SIZE) != 0;
        int op = mode & ~FALLOC_FL_KEEP_SIZE;
        long size = e.device.size();
        long end = offset > Long.MAX_VALUE - length ? Long.MAX_VALUE : offset + length;
        if (end > size && !keepSize) {
            return op == 0 ? -Errno.EOPNOTSUPP : -Errno.EFBIG; // the size is the export's, it cannot grow
        }
        long len = Math.min(end, size) - offset;
        try {
            if (op == FALLOC_FL_PUNCH_HOLE && keepSize) {
                if (len > 0) {
                    punch(e.device, offset, len);
                }
            } else if (op == FALLOC_FL_ZERO_RANGE) {
                if (len > 0) {
                    zero(e.device, offset, len, false);
                }
            } else {
                // plain preallocation: the server owns allocation, nbd-fuse cannot promise space
                return -Errno.EOPNOTSUPP;
            }
        } catch (IOException ex) {
            return -errnoOf(ex);
        }
        e.modifiedSeconds.set(System.currentTimeMillis() / 1000);
        return 0;
    }

    /**
     * A punched hole must read back as zeros. NBD_CMD_TRIM does not promise that, so when the
     * server can zero we send WRITE_ZEROES that may punch (which frees the space where the server
     * can and guarantees the zeros); only a trim-only server gets a bare TRIM.
     */
    private void punch(BlockDevice d, long offset, long len) throws IOException {
        if (d.canZero()) {
            d.zero(offset, len, true);
        } else if (d.canTrim()) {
            d.trim(offset, len);
        } else {
            throw new DeviceException(Errno.EOPNOTSUPP, "the server can neither zero nor trim");
        }
    }

    /** Zeros the whole range: with WRITE_ZEROES, else by writing zero blocks over all of it. */
    private void zero(BlockDevice d, long offset, long len, boolean mayPunch) throws IOException {
        if (d.canZero()) {
            d.zero(offset, len, mayPunch);
            return;
        }
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(len, ZERO_CHUNK));
        for (long done = 0; done < len; ) {
            int n = (int) Math.min(zeros.capacity(), len - done);
            zeros.clear().limit(n);
            d.write(offset + done, zeros);
            done += n;
        }
    }

    @Override
    public int truncate(String path, long size) {
        Entry e = entry(path);
        if (e == null) {
            return -Errno.ENOENT;
        }
        if (size == e.device.size()) {
            return 0;
        }
        // The size is the export's: shrinking or growing the file is not possible.
        return writable(e) ? -Errno.EPERM : -Errno.EROFS;
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return truncate(path, size);
    }

    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;

    /** touch, cp -p, rsync: the modification time is kept (in memory, for the mount's life). */
    @Override
    public int utimens(String path, Timespec[] timespec) {
        Entry e = entry(path);
        if (e == null) {
            return "/".equals(path) ? 0 : -Errno.ENOENT;
        }
        if (!writable(e)) {
            return -Errno.EROFS;
        }
        long now = System.currentTimeMillis() / 1000;
        if (timespec == null || timespec.length < 2) {
            e.modifiedSeconds.set(now);
        } else {
            long nsec = timespec[1].tv_nsec.longValue();
            if (nsec != UTIME_OMIT) {
                e.modifiedSeconds.set(nsec == UTIME_NOW ? now : timespec[1].tv_sec.get());
            }
        }
        return 0;
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return entry(path) != null ? -Errno.EPERM : -Errno.EACCES;
    }

    @Override
    public int statfs(String path, Statvfs st) {
        long total = 0;
        for (Entry e : files.values()) {
            total += e.device.size();
        }
        st.f_bsize.set(BLOCK_SIZE);
        st.f_frsize.set(BLOCK_SIZE);
        st.f_blocks.set((total + BLOCK_SIZE - 1) / BLOCK_SIZE);
        st.f_bfree.set(0);
        st.f_bavail.set(0);
        st.f_files.set(files.size() + 1L);
        st.f_ffree.set(0);
        st.f_favail.set(0);
        st.f_namemax.set(255);
        st.f_flag.set(readOnlyMount ? Statvfs.ST_RDONLY : 0);
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

    static int errnoOf(IOException ex) {
        return ex instanceof DeviceException d && d.errno() > 0 ? d.errno() : Errno.EIO;
    }
}
