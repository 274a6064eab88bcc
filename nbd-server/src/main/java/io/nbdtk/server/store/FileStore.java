package io.nbdtk.server.store;

import io.nbdtk.protocol.NbdError;

import io.nbdtk.server.os.FileMapping;
import io.nbdtk.server.os.NativeFile;
import io.nbdtk.server.os.SocketSplice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An export backed by a file on any {@link Path} (default file system, /dev/shm, jimfs).
 * Positional {@link FileChannel} I/O, so requests run concurrently without a shared position.
 * On the default file system a native descriptor ({@link NativeFile}) adds hole punching for
 * TRIM/WRITE_ZEROES and SEEK_DATA/SEEK_HOLE for block status; elsewhere those fall back to
 * writing zeros and reporting everything as data. FLUSH and FUA call {@code force}.
 *
 * <p>A file on a memory file system (tmpfs, ramfs: /dev/shm) is served like a memory export
 * ({@link Capability#INLINE}): its reads and writes are page-cache copies that never wait for a
 * disk (unless the machine swaps), so small requests skip the hand-off to another thread.
 */
public final class FileStore implements BlockStore {
    private static final Logger log = LoggerFactory.getLogger(FileStore.class);
    private static final int MAX_EXTENTS = 1024;
    /** Whether read replies from tmpfs files are sent from a mapping (off: spliced; for A/B runs). */
    private static final boolean MAPPED_READS =
            Boolean.parseBoolean(System.getProperty("nbdtk.mappedReads", "true"));
    /** Whether WRITE payloads to allocated pages of tmpfs files are received into the mapping. */
    private static final boolean MAPPED_WRITES =
            Boolean.parseBoolean(System.getProperty("nbdtk.mappedWrites", "true"));
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private final Path path;
    private final FileChannel channel;
    private final NativeFile nativeFile; // null when unavailable
    private final long size;
    private final boolean writable;
    private final boolean inMemory;
    private final FileMapping mapping; // null: read replies are spliced
    /**
     * Payloads being received into this file right now. Splices into one tmpfs file serialize on
     * its inode lock, stores into its mapping do not; but a lone writer was faster by splice.
     */
    private final java.util.concurrent.atomic.AtomicInteger writers = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private FileStore(Path path, FileChannel channel, NativeFile nativeFile, long size, boolean writable) {
        this.path = path;
        this.channel = channel;
        this.nativeFile = nativeFile;
        this.size = size;
        this.writable = writable;
        this.inMemory = onMemoryFileSystem(path);
        this.mapping = inMemory && nativeFile != null && MAPPED_READS
                ? new FileMapping(nativeFile, size, writable && MAPPED_WRITES) : null;
    }

    /** Whether {@code path} is on tmpfs or ramfs (false when that cannot be told, e.g. jimfs). */
    static boolean onMemoryFileSystem(Path path) {
        if (path.getFileSystem() != java.nio.file.FileSystems.getDefault()) {
            return false; // jimfs and friends: in memory, but behind locks we do not control
        }
        try {
            String type = java.nio.file.Files.getFileStore(path).type();
            return "tmpfs".equals(type) || "ramfs".equals(type);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Opens an existing file; its current length is the export size. */
    public static FileStore open(Path path, boolean writable) throws IOException {
        Set<OpenOption> opts = writable
                ? Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE)
                : Set.of(StandardOpenOption.READ);
        FileChannel ch = FileChannel.open(path, opts);
        try {
            long size = ch.size();
            NativeFile.Result nf = NativeFile.open(path, writable);
            if (nf.file() == null) {
                log.debug("{}: native file calls {}", path, nf.status());
            }
            return new FileStore(path, ch, nf.file(), size, writable);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Creates (or resizes) {@code path} to {@code size} bytes, sparse where the file system allows, then opens it. */
    public static FileStore create(Path path, long size) throws IOException {
        if (path.getFileSystem() == java.nio.file.FileSystems.getDefault()) {
            try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(path.toFile(), "rw")) {
                raf.setLength(size); // ftruncate: the new range is one hole
            }
            return open(path, true);
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (ch.size() > size) {
                ch.truncate(size);
            } else if (ch.size() < size) {
                ch.write(ByteBuffer.wrap(new byte[1]), size - 1); // other file systems: extend by writing
            }
        }
        return open(path, true);
    }

    public Path path() {
        return path;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Set<Capability> capabilities() {
        // No TRANSFER_TO: sendfile(2) from the file to the socket was slower than pread into a pooled
        // direct buffer plus one gathered write (fio 1 MiB reads on tmpfs: 0.6-0.8x with 4
        // connections, 0.6-0.8x with 8 MiB requests; docs/benchmarks.md), so reads take that path.
        // SPLICE_TO only on tmpfs: the reply lock is held while the file's pages are sent, which
        // must not wait for a disk. The data goes from a mapping of the file (MAPPED_READS: one
        // copy, by the socket), or where the range has a hole, by splice through a 1 MiB pipe.
        Set<Capability> caps = EnumSet.of(Capability.FLUSH, Capability.FUA, Capability.CACHE,
                Capability.MULTI_CONN);
        if (writable) {
            caps.add(Capability.WRITE);
            caps.add(Capability.ZERO);
            caps.add(Capability.FAST_ZERO);
            if (nativeFile != null && nativeFile.canPunchHoles()) {
                caps.add(Capability.TRIM);
            }
            if (nativeFile != null) {
                caps.add(Capability.SPLICE_FROM);
            }
        }
        if (nativeFile != null && nativeFile.seekUnavailable() == null) {
            caps.add(Capability.EXTENTS);
        }
        if (inMemory) {
            caps.add(Capability.INLINE);
            if (nativeFile != null) {
                caps.add(Capability.SPLICE_TO);
            }
            if (mapping != null) {
                caps.add(Capability.MAPPED_READS);
            }
        }
        return caps;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Ranges.checkRead(offset, dst.remaining(), size);
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) { // the file shrank behind our back: the rest reads as zeros
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
            pos += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, int flags) throws IOException {
        checkWritable();
        Ranges.checkWrite(offset, src.remaining(), size);
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
        if ((flags & FUA) != 0) {
            channel.force(false);
        }
    }

    /**
     * Has the connection splice the payload into the file: socket buffers to file pages in the
     * kernel, without the copy through a user-space buffer that {@link #write} needs.
     */
    @Override
    public void transferFrom(long offset, int length, PayloadSource source, int flags) throws IOException {
        checkWritable();
        Ranges.checkWrite(offset, length, size);
        if (nativeFile == null) {
            throw new UnsupportedOperationException("no native descriptor for " + path);
        }
        boolean alone = writers.getAndIncrement() == 0;
        try {
            long address = alone || mapping == null || !mapping.writable() ? 0 : mapping.acquire(offset, length);
            if (address == 0) { // alone, or pages to allocate: the file system does it, and may say ENOSPC
                source.spliceTo(nativeFile, offset, length);
            } else {
                try {
                    source.receiveInto(address, length);
                } finally {
                    mapping.release();
                }
            }
        } finally {
            writers.decrementAndGet();
        }
        if ((flags & FUA) != 0) {
            channel.force(false);
        }
    }

    @Override
    public void spliceTo(ByteBuffer prefix, long offset, int length, SocketSplice out) throws IOException {
        Ranges.checkRead(offset, length, size);
        if (nativeFile == null) {
            throw new UnsupportedOperationException("no native descriptor for " + path);
        }
        long address = mapping == null ? 0 : mapping.acquire(offset, length);
        if (address == 0) { // no mapping, or a hole in the range: take the pages by reference
            out.fileToSocket(nativeFile, offset, length, prefix);
            return;
        }
        try {
            out.sendFromMemory(prefix, address, length);
        } finally {
            mapping.release();
        }
    }

    @Override
    public void flush() throws IOException {
        if (writable) {
            channel.force(false);
        }
    }

    @Override
    public void trim(long offset, long length, int flags) throws IOException {
        checkWritable();
        Ranges.checkWrite(offset, length, size);
        // TRIM is a hint: without hole punching it has nothing cheap to do
        if (nativeFile != null && nativeFile.punchHole(offset, length) && (flags & FUA) != 0) {
            channel.force(false);
        }
    }

    @Override
    public void zero(long offset, long length, int flags) throws IOException {
        checkWritable();
        Ranges.checkWrite(offset, length, size);
        boolean done = false;
        if (nativeFile != null) {
            done = (flags & NO_HOLE) == 0
                    ? nativeFile.punchHole(offset, length) || nativeFile.zeroRange(offset, length)
                    : nativeFile.zeroRange(offset, length);
        }
        if (!done) {
            if ((flags & FAST_ZERO) != 0) {
                throw new StoreException(NbdError.ENOTSUP, "no fast zeroing on " + path);
            }
            writeZeros(offset, length);
        }
        if ((flags & FUA) != 0) {
            channel.force(false);
        }
    }

    private void writeZeros(long offset, long length) throws IOException {
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            ByteBuffer z = ZEROS.duplicate();
            z.limit((int) Math.min(z.capacity(), end - pos));
            while (z.hasRemaining()) {
                pos += channel.write(z, pos);
            }
        }
    }

    @Override
    public void cache(long offset, long length) throws IOException {
        Ranges.checkRead(offset, length, size);
        if (nativeFile != null) {
            nativeFile.willNeed(offset, length);
        }
    }

    @Override
    public List<Extent> extents(long offset, long length) throws IOException {
        Ranges.checkRead(offset, length, size);
        long end = offset + length;
        List<Extent> out = new ArrayList<>();
        long pos = offset;
        while (pos < end && out.size() < MAX_EXTENTS) {
            long data = nativeFile == null ? -2 : nativeFile.seekData(pos);
            if (data == -2) { // unknown: data is always a safe answer
                out.add(new Extent(end - pos, Extent.DATA));
                break;
            }
            if (data == -1 || data >= end) {
                out.add(new Extent(end - pos, Extent.HOLE_ZERO));
                break;
            }
            if (data > pos) {
                out.add(new Extent(data - pos, Extent.HOLE_ZERO));
                pos = data;
                continue;
            }
            long hole = nativeFile.seekHole(pos);
            if (hole == -2 || hole < 0 || hole > end) {
                hole = end;
            }
            if (hole <= pos) { // defensive: never loop without progress
                hole = end;
            }
            out.add(new Extent(hole - pos, Extent.DATA));
            pos = hole;
        }
        return out;
    }

    private void checkWritable() throws StoreException {
        if (!writable) {
            throw new StoreException(NbdError.EPERM, path + " is open read-only");
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (writable) {
                channel.force(true);
            }
        } finally {
            if (mapping != null) {
                mapping.close();
            }
            channel.close();
            if (nativeFile != null) {
                nativeFile.close();
            }
        }
    }

    @Override
    public String toString() {
        return "file:" + path;
    }
}
