package io.nbdtk.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the mounted directory means, independent of the FUSE engine that serves it: one regular
 * file per export, nothing else. Sizes are fixed by the exports, so create/unlink/truncate are
 * refused. Every operation returns 0 (or a byte count) on success and a negated errno on failure,
 * and may run on any number of threads at once: the state is immutable apart from atomics, and
 * devices are thread-safe.
 */
final class ExportFiles {
    static final int BLOCK_SIZE = 4096;
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;
    /** Chunk for zeroing by writes when the server has no WRITE_ZEROES. */
    private static final int ZERO_CHUNK = 1 << 20;

    /** One file: its export's device and its modification time (kept in memory). */
    static final class Entry {
        final String name;
        final int index;
        final BlockDevice device;
        final AtomicLong modifiedSeconds;

        Entry(String name, int index, BlockDevice device, long now) {
            this.name = name;
            this.index = index;
            this.device = device;
            this.modifiedSeconds = new AtomicLong(now);
        }
    }

    private final Map<String, Entry> files = new LinkedHashMap<>();
    private final List<Entry> byIndex = new ArrayList<>();
    private final boolean readOnlyMount;
    private final long uid;
    private final long gid;
    private final long mountTimeSeconds = System.currentTimeMillis() / 1000;

    ExportFiles(List<ExportFile> exports, boolean readOnlyMount, long uid, long gid) {
        this.readOnlyMount = readOnlyMount;
        this.uid = uid;
        this.gid = gid;
        for (ExportFile f : exports) {
            Entry e = new Entry(f.name(), byIndex.size(), f.device(), mountTimeSeconds);
            if (files.putIfAbsent(f.name(), e) != null) {
                throw new IllegalArgumentException("two exports map to the file name '" + f.name() + "'");
            }
            byIndex.add(e);
        }
    }

    List<String> names() {
        return new ArrayList<>(files.keySet());
    }

    /** The file called {@code name}, or null. */
    Entry entry(String name) {
        return files.get(name);
    }

    /** The {@code index}th file (in the order of the exports), or null. */
    Entry entry(long index) {
        return index >= 0 && index < byIndex.size() ? byIndex.get((int) index) : null;
    }

    List<Entry> entries() {
        return List.copyOf(byIndex);
    }

    long uid() {
        return uid;
    }

    long gid() {
        return gid;
    }

    long mountTimeSeconds() {
        return mountTimeSeconds;
    }

    boolean readOnlyMount() {
        return readOnlyMount;
    }

    boolean writable(Entry e) {
        return !readOnlyMount && !e.device.isReadOnly();
    }

    /** Permission bits of a file. */
    int fileMode(Entry e) {
        return writable(e) ? 0644 : 0444;
    }

    /** open(2) with {@code flags}: a write open of a read-only file is EROFS. */
    int open(Entry e, int flags) {
        boolean forWrite = (flags & O_ACCMODE) != O_RDONLY;
        return forWrite && !writable(e) ? -Errno.EROFS : 0;
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code offset} into {@code dst} (cut short at the end
     * of the export); returns the count, 0 at or after the end.
     */
    int read(Entry e, long offset, ByteBuffer dst) {
        long end = e.device.size();
        if (offset >= end || !dst.hasRemaining()) {
            return 0;
        }
        int n = (int) Math.min(dst.remaining(), end - offset);
        dst.limit(dst.position() + n);
        try {
            e.device.read(offset, dst);
        } catch (IOException ex) {
            return -errnoOf(ex);
        }
        return n;
    }

    /**
     * Writes {@code src.remaining()} bytes at {@code offset}: cut short at the end of the export,
     * and ENOSPC at or after it, like a block device.
     */
    int write(Entry e, long offset, ByteBuffer src) {
        if (!writable(e)) {
            return -Errno.EROFS;
        }
        int size = src.remaining();
        long end = e.device.size();
        if (offset >= end) {
            return size == 0 ? 0 : -Errno.ENOSPC;
        }
        int n = (int) Math.min(size, end - offset); // a short write; the next one gets ENOSPC
        src.limit(src.position() + n);
        try {
            e.device.write(offset, src);
        } catch (IOException ex) {
            return -errnoOf(ex);
        }
        e.modifiedSeconds.set(System.currentTimeMillis() / 1000);
        return n;
    }

    int fsync(Entry e) {
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

    int fallocate(Entry e, int mode, long offset, long length) {
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
                    zero(e.device, offset, len);
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
    private static void punch(BlockDevice d, long offset, long len) throws IOException {
        if (d.canZero()) {
            d.zero(offset, len, true);
        } else if (d.canTrim()) {
            d.trim(offset, len);
        } else {
            throw new DeviceException(Errno.EOPNOTSUPP, "the server can neither zero nor trim");
        }
    }

    /** Zeros the whole range: with WRITE_ZEROES, else by writing zero blocks over all of it. */
    private static void zero(BlockDevice d, long offset, long len) throws IOException {
        if (d.canZero()) {
            d.zero(offset, len, false);
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

    /** The size is the export's: only "truncating" to the same size succeeds. */
    int truncate(Entry e, long size) {
        if (size == e.device.size()) {
            return 0;
        }
        return writable(e) ? -Errno.EPERM : -Errno.EROFS;
    }

    /** touch, cp -p, rsync: the modification time is kept (in memory, for the mount's life). */
    int setModified(Entry e, long seconds) {
        if (!writable(e)) {
            return -Errno.EROFS;
        }
        e.modifiedSeconds.set(seconds);
        return 0;
    }

    /** Creating a file: EPERM for an existing name (e.g. O_EXCL), else EACCES. */
    int create(String name) {
        return entry(name) != null ? -Errno.EPERM : -Errno.EACCES;
    }

    long totalBytes() {
        long total = 0;
        for (Entry e : byIndex) {
            total += e.device.size();
        }
        return total;
    }

    static int errnoOf(IOException ex) {
        return ex instanceof DeviceException d && d.errno() > 0 ? d.errno() : Errno.EIO;
    }
}
