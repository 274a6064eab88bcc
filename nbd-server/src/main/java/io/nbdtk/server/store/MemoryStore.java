package io.nbdtk.server.store;

import io.nbdtk.protocol.NbdError;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * A sparse in-memory disk. Pages are allocated on first write; trimming or zeroing a whole page
 * frees it; untouched ranges read as zeros and report {@code HOLE|ZERO}. Memory used is bounded
 * by what was written, not by the export size, so a {@code memory:1T} export is cheap.
 *
 * <p>Pages live in a {@link PageTable} (a radix tree) so that a lookup is a few array loads and
 * block status can jump from one allocated page to the next instead of visiting every page of a
 * huge, mostly empty export.
 * Pages are direct buffers: the garbage collector never copies them around (heap pages of a
 * freshly filled export were copied between generations), and reads can be written to a socket
 * straight from the pages ({@link #transferTo}). Concurrent requests are safe; overlapping
 * concurrent writes have no defined order (as in NBD).
 */
public final class MemoryStore implements BlockStore {
    /**
     * Payloads at least this long, when no other is being received into this store, go through
     * the connection's pipe ({@link PayloadSource#readFullyThroughPipe}): 1 MiB writes on one
     * connection 15-25% faster; with 4 connections at once the direct read was faster.
     */
    private static final int PIPE_MIN = Integer.getInteger("nbdtk.pipeWriteMin", 256 * 1024);
    public static final int DEFAULT_PAGE_SIZE = 64 * 1024;
    private static final Set<Capability> CAPS = EnumSet.of(Capability.WRITE, Capability.FLUSH,
            Capability.FUA, Capability.TRIM, Capability.ZERO, Capability.FAST_ZERO, Capability.CACHE,
            Capability.EXTENTS, Capability.CHEAP_EXTENTS, Capability.MULTI_CONN, Capability.TRANSFER_TO,
            Capability.TRANSFER_FROM, Capability.INLINE);

    private final long size;
    private final int pageSize;
    private final int pageShift;
    private final PageTable pages;
    /** Payloads being received right now (see {@link #PIPE_MIN}). */
    private final AtomicInteger writers = new AtomicInteger();
    private final ByteBuffer zeroPage;
    private final LongFunction<ByteBuffer> newPage;

    public MemoryStore(long size) {
        this(size, DEFAULT_PAGE_SIZE);
    }

    public MemoryStore(long size, int pageSize) {
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative: " + size);
        }
        if (Integer.bitCount(pageSize) != 1 || pageSize < 512) {
            throw new IllegalArgumentException("page size must be a power of two >= 512: " + pageSize);
        }
        this.size = size;
        this.pageSize = pageSize;
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.zeroPage = ByteBuffer.allocateDirect(pageSize).asReadOnlyBuffer();
        this.newPage = i -> ByteBuffer.allocateDirect(this.pageSize);
        this.pages = new PageTable((size + pageSize - 1) >>> pageShift);
    }

    /** The page at {@code index}, allocated (zero-filled) if absent; ENOSPC when memory runs out. */
    private ByteBuffer page(long index) throws StoreException {
        try {
            return pages.getOrCreate(index, newPage);
        } catch (OutOfMemoryError e) {
            // the direct memory limit (-XX:MaxDirectMemorySize, default: the heap size) is reached
            throw new StoreException(NbdError.ENOSPC, "memory export is full: " + e.getMessage());
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.copyOf(CAPS);
    }

    /** Bytes of page memory currently allocated (for tests and stats). */
    public long allocatedBytes() {
        return pages.count() * pageSize;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Ranges.checkRead(offset, dst.remaining(), size);
        VarHandle.acquireFence(); // see writes that completed on other worker threads
        long pos = offset;
        while (dst.hasRemaining()) {
            long index = pos >>> pageShift;
            int inPage = (int) (pos & (pageSize - 1));
            int n = Math.min(pageSize - inPage, dst.remaining());
            ByteBuffer page = pages.get(index);
            dst.put((page == null ? zeroPage : page).slice(inPage, n));
            pos += n;
        }
    }

    /** Writes the prefix and the pages (the shared zero page for holes) straight to the channel, gathered. */
    @Override
    public void transferTo(ByteBuffer prefix, long offset, long length, WritableByteChannel target) throws IOException {
        Ranges.checkRead(offset, length, size);
        VarHandle.acquireFence();
        long pos = offset;
        long end = offset + length;
        ByteBuffer[] batch = new ByteBuffer[64];
        boolean first = true;
        while (pos < end || first) {
            int count = 0;
            if (first && prefix.hasRemaining()) {
                batch[count++] = prefix;
            }
            first = false;
            while (pos < end && count < batch.length) {
                long index = pos >>> pageShift;
                int inPage = (int) (pos & (pageSize - 1));
                int n = (int) Math.min(pageSize - inPage, end - pos);
                ByteBuffer page = pages.get(index);
                batch[count++] = (page == null ? zeroPage : page).slice(inPage, n);
                pos += n;
            }
            writeFully(target, batch, count);
        }
    }

    private static void writeFully(WritableByteChannel target, ByteBuffer[] bufs, int count) throws IOException {
        if (target instanceof GatheringByteChannel g) {
            long left = 0;
            for (int i = 0; i < count; i++) {
                left += bufs[i].remaining();
            }
            while (left > 0) {
                left -= g.write(bufs, 0, count);
            }
            return;
        }
        for (int i = 0; i < count; i++) {
            while (bufs[i].hasRemaining()) {
                target.write(bufs[i]);
            }
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, int flags) throws IOException {
        Ranges.checkWrite(offset, src.remaining(), size);
        long pos = offset;
        while (src.hasRemaining()) {
            long index = pos >>> pageShift;
            int inPage = (int) (pos & (pageSize - 1));
            int n = Math.min(pageSize - inPage, src.remaining());
            ByteBuffer page = page(index);
            page.put(inPage, src, src.position(), n);
            src.position(src.position() + n);
            pos += n;
        }
        VarHandle.releaseFence();
    }

    /**
     * Receives the payload straight into the pages with one scattered read: every page is
     * allocated first, so running out of memory fails before a byte is consumed.
     */
    @Override
    public void transferFrom(long offset, int length, PayloadSource source, int flags) throws IOException {
        Ranges.checkWrite(offset, length, size);
        if (length == 0) {
            return;
        }
        long first = offset >>> pageShift;
        int count = (int) (((offset + length - 1) >>> pageShift) - first + 1);
        ByteBuffer[] slices = new ByteBuffer[count];
        long pos = offset;
        long end = offset + length;
        for (int i = 0; i < count; i++) {
            int inPage = (int) (pos & (pageSize - 1));
            int n = (int) Math.min(pageSize - inPage, end - pos);
            slices[i] = page(first + i).slice(inPage, n);
            pos += n;
        }
        boolean alone = writers.getAndIncrement() == 0;
        try {
            if (alone && length >= PIPE_MIN) {
                source.readFullyThroughPipe(slices, count);
            } else {
                source.readFully(slices, count);
            }
        } finally {
            writers.decrementAndGet();
            VarHandle.releaseFence(); // what arrived is visible to readers on other threads
        }
    }

    @Override
    public void flush() {
        VarHandle.fullFence(); // nothing is cached: memory is the stable storage here
    }

    @Override
    public void trim(long offset, long length, int flags) throws IOException {
        Ranges.checkWrite(offset, length, size);
        discard(offset, length);
    }

    @Override
    public void zero(long offset, long length, int flags) throws IOException {
        Ranges.checkWrite(offset, length, size);
        if ((flags & NO_HOLE) == 0) {
            discard(offset, length);
            return;
        }
        if ((flags & FAST_ZERO) != 0) {
            // keeping the range allocated means filling pages, no faster than a write
            throw new StoreException(NbdError.ENOTSUP, "zeroing without holes is not faster than writing");
        }
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long index = pos >>> pageShift;
            int inPage = (int) (pos & (pageSize - 1));
            int n = (int) Math.min(pageSize - inPage, end - pos);
            ByteBuffer page = page(index);
            page.put(inPage, zeroPage, 0, n);
            pos += n;
        }
        VarHandle.releaseFence();
    }

    /** Frees whole pages inside the range and zeroes the partial pages at its edges. */
    private void discard(long offset, long length) {
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long index = pos >>> pageShift;
            int inPage = (int) (pos & (pageSize - 1));
            int n = (int) Math.min(pageSize - inPage, end - pos);
            if (n == pageSize) {
                // jump over whole pages using the map, not page by page
                long lastWhole = (end >>> pageShift) - 1;
                pages.removeRange(index, lastWhole + 1);
                pos = (lastWhole + 1) << pageShift;
                continue;
            }
            ByteBuffer page = pages.get(index);
            if (page != null) {
                page.put(inPage, zeroPage, 0, n);
            }
            pos += n;
        }
        VarHandle.releaseFence();
    }

    @Override
    public void cache(long offset, long length) throws IOException {
        Ranges.checkRead(offset, length, size); // everything is already in memory
    }

    @Override
    public List<Extent> extents(long offset, long length) throws IOException {
        Ranges.checkRead(offset, length, size);
        List<Extent> out = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        while (pos < end && out.size() < 1024) {
            long index = pos >>> pageShift;
            long runEnd;
            int flags;
            long lastIndex = (end - 1) >>> pageShift;
            if (pages.get(index) != null) {
                // the run of consecutive allocated pages
                runEnd = pages.nextAbsent(index + 1, lastIndex + 1) << pageShift;
                flags = Extent.DATA;
            } else {
                long next = pages.nextPresent(index + 1, lastIndex + 1);
                runEnd = next < 0 ? end : next << pageShift;
                flags = Extent.HOLE_ZERO;
            }
            runEnd = Math.min(runEnd, end);
            out.add(new Extent(runEnd - pos, flags));
            pos = runEnd;
        }
        return out;
    }

    @Override
    public void close() {
        pages.clear();
    }
}
