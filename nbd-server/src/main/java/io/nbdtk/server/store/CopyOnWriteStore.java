package io.nbdtk.server.store;

import io.nbdtk.protocol.NbdError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The reference server's {@code copyonwrite}: a private overlay over a base store that is never
 * written. Writes land in a diff file, in whole 4 KiB blocks (a partial block is first copied
 * from the base); reads take each block from the diff if it was written, else from the base.
 * The diff file is unlinked as soon as it is open, so it vanishes when the store is closed or the
 * process dies; nothing written survives the connection, exactly like the reference.
 *
 * <p>Two layouts, as in the reference: the default appends each newly written block to the diff
 * file and keeps a block map; {@code sparse} keeps every block at its own offset in a sparse diff
 * file (no map, no appends). Blocks zeroed in full are only remembered, not written.
 *
 * <p>No MULTI_CONN: each connection has its own overlay, so a flush on one says nothing about
 * another. No TRIM (the reference ignores TRIM on copy-on-write exports too). Writers are
 * serialised; readers run concurrently.
 */
public final class CopyOnWriteStore implements BlockStore {
    static final int BLOCK = 4096;

    private final BlockStore base;
    private final FileChannel diff;
    private final boolean sparse;
    private final long size;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    /** Blocks whose current contents are in the diff file. */
    private final BitSet inDiff = new BitSet();
    /** Blocks that read as zeros (zeroed whole; neither diff nor base is read). */
    private final BitSet zeroed = new BitSet();
    /** Block index -> diff file position (append layout only). */
    private final Map<Long, Long> positions = new HashMap<>();
    private long appendAt;

    private CopyOnWriteStore(BlockStore base, FileChannel diff, boolean sparse) {
        this.base = base;
        this.diff = diff;
        this.sparse = sparse;
        this.size = base.size();
        if ((size + BLOCK - 1) / BLOCK > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("copy-on-write exports are limited to " + ((long) Integer.MAX_VALUE * BLOCK)
                    + " bytes");
        }
    }

    /**
     * Opens an overlay over {@code base} (which this store closes), with its diff file in
     * {@code diffDir} named after {@code label}.
     */
    public static CopyOnWriteStore open(BlockStore base, Path diffDir, String label, boolean sparse) throws IOException {
        Path file = Files.createTempFile(diffDir, label + "-", ".diff");
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } finally {
            Files.deleteIfExists(file); // unlinked while open: gone on close or crash, like the reference
        }
        return new CopyOnWriteStore(base, ch, sparse);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.WRITE, Capability.FLUSH, Capability.FUA, Capability.ZERO);
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Ranges.checkRead(offset, dst.remaining(), size);
        lock.readLock().lock();
        try {
            long pos = offset;
            while (dst.hasRemaining()) {
                long block = pos / BLOCK;
                int within = (int) (pos % BLOCK);
                int n = (int) Math.min(dst.remaining(), BLOCK - within);
                ByteBuffer part = dst.slice();
                part.limit(n);
                readBlockPart(block, within, part);
                dst.position(dst.position() + n);
                pos += n;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private void readBlockPart(long block, int within, ByteBuffer part) throws IOException {
        int index = (int) block;
        if (zeroed.get(index)) {
            while (part.hasRemaining()) {
                part.put((byte) 0);
            }
        } else if (inDiff.get(index)) {
            readFully(diff, diffPosition(block) + within, part);
        } else {
            base.read(block * BLOCK + within, part);
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, int flags) throws IOException {
        Ranges.checkWrite(offset, src.remaining(), size);
        lock.writeLock().lock();
        try {
            long pos = offset;
            while (src.hasRemaining()) {
                long block = pos / BLOCK;
                int within = (int) (pos % BLOCK);
                int n = (int) Math.min(src.remaining(), BLOCK - within);
                ByteBuffer part = src.slice();
                part.limit(n);
                writeBlockPart(block, within, part);
                src.position(src.position() + n);
                pos += n;
            }
            if ((flags & FUA) != 0) {
                diff.force(false);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Caller holds the write lock. */
    private void writeBlockPart(long block, int within, ByteBuffer part) throws IOException {
        int index = (int) block;
        int blockLength = (int) Math.min(BLOCK, size - block * BLOCK);
        if (inDiff.get(index) && !zeroed.get(index)) {
            writeFully(diff, diffPosition(block) + within, part);
            return;
        }
        ByteBuffer whole = ByteBuffer.allocate(blockLength);
        if (!zeroed.get(index) && !(within == 0 && part.remaining() == blockLength)) {
            base.read(block * BLOCK, whole); // copy the untouched rest of the block first
            whole.clear();
        }
        whole.position(within);
        whole.put(part);
        whole.clear();
        long at = allocate(block);
        writeFully(diff, at, whole);
        inDiff.set(index);
        zeroed.clear(index);
    }

    private long allocate(long block) {
        if (sparse) {
            return block * BLOCK;
        }
        Long at = positions.get(block);
        if (at == null) {
            at = appendAt;
            appendAt += BLOCK;
            positions.put(block, at);
        }
        return at;
    }

    private long diffPosition(long block) {
        return sparse ? block * BLOCK : positions.get(block);
    }

    @Override
    public void flush() throws IOException {
        diff.force(false);
    }

    /** Accepted and ignored, as the reference does for copy-on-write exports (TRIM is only a hint). */
    @Override
    public void trim(long offset, long length, int flags) throws IOException {
        Ranges.checkWrite(offset, length, size);
    }

    @Override
    public void zero(long offset, long length, int flags) throws IOException {
        Ranges.checkWrite(offset, length, size);
        if ((flags & FAST_ZERO) != 0) {
            throw new StoreException(NbdError.ENOTSUP, "no fast zeroing on a copy-on-write export");
        }
        lock.writeLock().lock();
        try {
            long pos = offset;
            long end = offset + length;
            while (pos < end) {
                long block = pos / BLOCK;
                int within = (int) (pos % BLOCK);
                int blockLength = (int) Math.min(BLOCK, size - block * BLOCK);
                int n = (int) Math.min(end - pos, blockLength - within);
                if (within == 0 && n == blockLength) {
                    zeroed.set((int) block);
                } else {
                    writeBlockPart(block, within, ByteBuffer.allocate(n));
                }
                pos += n;
            }
            if ((flags & FUA) != 0) {
                diff.force(false);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void cache(long offset, long length) throws IOException {
        Ranges.checkRead(offset, length, size);
    }

    /** Without EXTENTS in the capabilities the whole range is reported as data. */
    @Override
    public List<Extent> extents(long offset, long length) throws IOException {
        Ranges.checkRead(offset, length, size);
        return length == 0 ? List.of() : List.of(new Extent(length, Extent.DATA));
    }

    @Override
    public void close() throws IOException {
        try {
            diff.close();
        } finally {
            base.close();
        }
    }

    private static void readFully(FileChannel ch, long position, ByteBuffer dst) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new IOException("copy-on-write diff file is shorter than its block map");
            }
            pos += n;
        }
    }

    private static void writeFully(FileChannel ch, long position, ByteBuffer src) throws IOException {
        long pos = position;
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
    }

    @Override
    public String toString() {
        return "copy-on-write(" + (sparse ? "sparse, " : "") + base + ")";
    }
}
