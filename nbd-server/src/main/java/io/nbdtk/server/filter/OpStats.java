package io.nbdtk.server.filter;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters for one operation: requests, bytes, errors, and a latency histogram with power-of-two
 * microsecond buckets (bucket i holds latencies below 2^i microseconds), good to a factor of two.
 */
public final class OpStats {
    static final int BUCKETS = 40;

    private final LongAdder requests = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder totalNanos = new LongAdder();
    private final AtomicLongArray histogram = new AtomicLongArray(BUCKETS);

    void record(long byteCount, long nanos, boolean ok) {
        requests.increment();
        if (ok) {
            bytes.add(byteCount);
        } else {
            errors.increment();
        }
        totalNanos.add(nanos);
        long micros = Math.max(0, nanos / 1000);
        int bucket = Math.min(BUCKETS - 1, 64 - Long.numberOfLeadingZeros(micros));
        histogram.incrementAndGet(bucket);
    }

    Snapshot snapshot() {
        long[] h = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            h[i] = histogram.get(i);
        }
        return new Snapshot(requests.sum(), bytes.sum(), errors.sum(), totalNanos.sum(), h);
    }

    /** A consistent-enough copy of the counters at one moment. */
    public record Snapshot(long requests, long bytes, long errors, long totalNanos, long[] histogram) {
        public double meanMicros() {
            return requests == 0 ? 0 : totalNanos / 1000.0 / requests;
        }

        /** Upper bound (microseconds) of the bucket holding quantile {@code q} (0..1); 0 if empty. */
        public long quantileMicrosUpperBound(double q) {
            long total = 0;
            for (long c : histogram) {
                total += c;
            }
            if (total == 0) {
                return 0;
            }
            long rank = (long) Math.ceil(q * total);
            long seen = 0;
            for (int i = 0; i < histogram.length; i++) {
                seen += histogram[i];
                if (seen >= rank && histogram[i] > 0) {
                    return 1L << i;
                }
            }
            return 1L << (histogram.length - 1);
        }
    }
}
