package io.nbdtk.server.store;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A sparse in-memory disk. Pages are allocated on first write; trimming or zeroing a whole page
 * frees it; untouched ranges read as zeros and report {@code HOLE|ZERO}. Memory used is bounded
 * by what was written, not by the export size, so a {@code memory:1T} export is cheap.
 *
 * <p>Pages live in a skip list keyed by page index so that block status can jump from one
 * allocated page to the next instead of visiting every page of a huge, mostly empty export.
 * Concurrent requests are safe; overlapping concurrent writes have no defined order (as in NBD).
 */
public final class MemoryStore implements BlockStore {
    public static final int DEFAULT_PAGE_SIZE = 64 * 1024;
    private static final Set<Capability> CAPS = EnumSet.of(Capability.WRITE, Capability.FLUSH,
            Capability.FUA, Capability.TRIM, Capability.ZERO, Capability.FAST_ZERO, Capability.CACHE,
            Capability.EXTENTS, Capability.MULTI_CONN);

    private final long size;
    private final int pageSize;
    private final int pageShift;
    private final ConcurrentSkipListMap<Long, byte[]> pages = new ConcurrentSkipListMap<>();

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
        return (long) pages.size() * pageSize;
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
            byte[] page = pages.get(index);
            if (page == null) {
                fillZeros(dst, n);
            } else {
                dst.put(page, inPage, n);
            }
            pos += n;
        }
    }

    private static final byte[] ZEROS = new byte[64 * 1024];

    private static void fillZeros(ByteBuffer dst, int n) {
        while (n > 0) {
            int k = Math.min(n, ZEROS.length);
            dst.put(ZEROS, 0, k);
            n -= k;
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
            byte[] page = pages.computeIfAbsent(index, i -> new byte[pageSize]);
            src.get(page, inPage, n);
            pos += n;
        }
        VarHandle.releaseFence();
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
            throw new StoreException(StoreError.ENOTSUP, "zeroing without holes is not faster than writing");
        }
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long index = pos >>> pageShift;
            int inPage = (int) (pos & (pageSize - 1));
            int n = (int) Math.min(pageSize - inPage, end - pos);
            byte[] page = pages.computeIfAbsent(index, i -> new byte[pageSize]);
            Arrays.fill(page, inPage, inPage + n, (byte) 0);
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
                pages.subMap(index, true, lastWhole, true).clear();
                pos = (lastWhole + 1) << pageShift;
                continue;
            }
            byte[] page = pages.get(index);
            if (page != null) {
                Arrays.fill(page, inPage, inPage + n, (byte) 0);
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
            if (pages.containsKey(index)) {
                long last = index;
                // walk consecutive allocated pages
                for (Map.Entry<Long, byte[]> e : pages.tailMap(index, false).entrySet()) {
                    if (e.getKey() != last + 1) {
                        break;
                    }
                    last = e.getKey();
                    if (((last + 1) << pageShift) >= end) {
                        break;
                    }
                }
                runEnd = (last + 1) << pageShift;
                flags = Extent.DATA;
            } else {
                Long next = pages.ceilingKey(index);
                runEnd = next == null ? end : next << pageShift;
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
