package io.nbdtk.server;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reusable direct buffers in power-of-two size classes, so READ and WRITE payloads neither
 * allocate per request nor copy through a temporary direct buffer inside the JDK on socket I/O.
 * Each class keeps at most {@value #RETAINED_BYTES_PER_CLASS} bytes (at least one buffer);
 * anything beyond is left to the garbage collector.
 */
final class BufferPool {
    private static final int MIN_SHIFT = 12; // 4 KiB
    private static final long RETAINED_BYTES_PER_CLASS = 64L << 20;

    private final ConcurrentLinkedQueue<ByteBuffer>[] classes;
    private final AtomicInteger[] counts;

    @SuppressWarnings("unchecked")
    BufferPool() {
        classes = new ConcurrentLinkedQueue[32];
        counts = new AtomicInteger[32];
        for (int i = 0; i < 32; i++) {
            classes[i] = new ConcurrentLinkedQueue<>();
            counts[i] = new AtomicInteger();
        }
    }

    private static int classOf(int size) {
        int shift = 32 - Integer.numberOfLeadingZeros(Math.max(size, 1 << MIN_SHIFT) - 1);
        return Math.min(shift, 31);
    }

    /** A cleared direct buffer with exactly {@code size} bytes remaining. */
    ByteBuffer acquire(int size) {
        int c = classOf(size);
        ByteBuffer b = classes[c].poll();
        if (b == null) {
            b = ByteBuffer.allocateDirect(c >= 31 ? size : 1 << c);
        } else {
            counts[c].decrementAndGet();
        }
        if (b.capacity() < size) {
            b = ByteBuffer.allocateDirect(size);
        }
        b.clear().limit(size);
        return b;
    }

    void release(ByteBuffer b) {
        if (b == null || !b.isDirect()) {
            return;
        }
        int c = classOf(b.capacity());
        if (c >= 31 || (1 << c) != b.capacity()) {
            return;
        }
        long max = Math.max(1, RETAINED_BYTES_PER_CLASS >> c);
        if (counts[c].incrementAndGet() <= max) {
            classes[c].offer(b);
        } else {
            counts[c].decrementAndGet();
        }
    }
}
