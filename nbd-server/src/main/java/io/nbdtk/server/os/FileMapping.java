package io.nbdtk.server.os;

import java.io.Closeable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import jnr.ffi.Pointer;

/**
 * A shared mapping of a file on a memory file system (tmpfs), from which read replies are sent
 * and, when writable, into which WRITE payloads are received: the socket copies straight between
 * its buffers and the file's pages, once. Splicing the same pages by reference copies nothing in
 * the server, yet measured slower for reads on loopback (docs/benchmarks.md); a pread into a
 * buffer copies twice. For writes, stores into the mapping do not take the file's inode lock,
 * which splices into one tmpfs file from several connections queue on.
 *
 * <p>The file is mapped in 1 GiB windows on first use. Only ranges whose pages all exist are
 * handed out (mincore), because a read fault on a tmpfs hole allocates a page: reading a sparse
 * export through the mapping would fill it, and a write fault on a full file system cannot be
 * answered with ENOSPC (the copy would fail half way). A hole punched between that check and
 * the copy costs one page of memory and reads as zeros, as the racing TRIM allows; a payload
 * received into it on a full file system then breaks the connection (EFAULT) instead of ENOSPC.
 *
 * <p>Callers bracket their use of an address with {@link #acquire} and {@link #release}; a close
 * while an address is in use does not unmap (the address could be reused by another mapping and
 * its bytes sent to a client) but replaces the windows with inaccessible memory, so a send still
 * under way fails with EFAULT.
 */
public final class FileMapping implements Closeable {
    private static final int WINDOW_SHIFT = 30;
    private static final long WINDOW = 1L << WINDOW_SHIFT;
    private static final long PAGE = 4096;
    private static final long REFUSED = -1;
    private static final int PROT_NONE = 0;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_FIXED = 0x10;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;

    private final Native nat;
    private final NativeFile file;
    private final long size;
    private final AtomicLongArray windows; // each window's address: 0 until mapped, REFUSED if mmap failed
    private final AtomicInteger users = new AtomicInteger();
    private final ThreadLocal<byte[]> residency = ThreadLocal.withInitial(() -> new byte[256]);
    private final boolean writable;
    private volatile boolean closed;

    /** A read-only mapping. */
    public FileMapping(NativeFile file, long size) {
        this(file, size, false);
    }

    /** A mapping that can also be written, when {@code file} was opened for writing. */
    public FileMapping(NativeFile file, long size, boolean writable) {
        this.writable = writable;
        this.nat = Native.get();
        this.file = file;
        this.size = size;
        this.windows = new AtomicLongArray((int) ((size + WINDOW - 1) >>> WINDOW_SHIFT));
    }

    /**
     * The address of {@code length} bytes of the file at {@code offset}, to be given back with
     * {@link #release}; or 0 (nothing to release) when that range cannot be sent from the mapping:
     * it crosses a window, a page of it is a hole or swapped out, or the mapping is closed.
     */
    public long acquire(long offset, int length) {
        int w = (int) (offset >>> WINDOW_SHIFT);
        if (length <= 0 || offset < 0 || offset + length > size || ((offset + length - 1) >>> WINDOW_SHIFT) != w) {
            return 0;
        }
        users.incrementAndGet(); // before the closed check: close() sees this user or we see closed
        long addr = closed ? 0 : addressIfResident(w, offset, length);
        if (addr == 0) {
            users.decrementAndGet();
        }
        return addr;
    }

    /** Whether addresses handed out may be written. */
    public boolean writable() {
        return writable;
    }

    /** Ends the use of an address {@link #acquire} returned. */
    public void release() {
        users.decrementAndGet();
    }

    private long addressIfResident(int w, long offset, int length) {
        long base = window(w);
        if (base == 0 || base == REFUSED) {
            return 0;
        }
        long addr = base + (offset & (WINDOW - 1));
        long first = addr & ~(PAGE - 1);
        int pages = (int) ((addr + length - first + PAGE - 1) / PAGE);
        byte[] vec = residency.get();
        if (vec.length < pages) {
            vec = new byte[pages];
            residency.set(vec);
        }
        if (nat.libc().mincore(first, (long) pages * PAGE, vec) != 0) {
            return 0;
        }
        for (int i = 0; i < pages; i++) {
            if ((vec[i] & 1) == 0) {
                return 0;
            }
        }
        return addr;
    }

    private long window(int w) {
        long a = windows.get(w);
        if (a != 0) {
            return a;
        }
        synchronized (this) {
            a = windows.get(w);
            if (a == 0 && !closed) {
                long start = (long) w << WINDOW_SHIFT;
                Pointer m = nat.libc().mmap(null, windowLength(w),
                        writable ? LibC.PROT_READ | LibC.PROT_WRITE : LibC.PROT_READ, LibC.MAP_SHARED, file.fd(), start);
                a = m == null || m.address() == -1 ? REFUSED : m.address();
                windows.set(w, a);
            }
            return a;
        }
    }

    private long windowLength(int w) {
        return Math.min(WINDOW, size - ((long) w << WINDOW_SHIFT));
    }

    /** Whether any window is mapped (for tests and diagnostics). */
    public boolean mapped() {
        for (int w = 0; w < windows.length(); w++) {
            long a = windows.get(w);
            if (a != 0 && a != REFUSED) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean inUse = users.get() != 0;
        for (int w = 0; w < windows.length(); w++) {
            long a = windows.getAndSet(w, REFUSED);
            if (a == 0 || a == REFUSED) {
                continue;
            }
            if (inUse) {
                // keeps the addresses taken (a send under way gets EFAULT) and drops the file's pages
                nat.libc().mmap(Pointer.wrap(nat.runtime(), a), windowLength(w), PROT_NONE,
                        MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            } else {
                nat.libc().munmap(a, windowLength(w));
            }
        }
    }
}
