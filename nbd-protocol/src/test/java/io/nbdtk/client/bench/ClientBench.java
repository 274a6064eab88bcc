package io.nbdtk.client.bench;

import io.nbdtk.client.ClientOptions;
import io.nbdtk.client.NbdClient;
import io.nbdtk.protocol.NbdUri;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Java client throughput, for {@code ci/bench-client} (a benchmark, not a test): sequential
 * READs or WRITEs of one request size over the whole export, with a fixed number of requests in
 * flight, on 1..N connections. Prints one line: {@code op size inflight conns MiB/s IOPS}.
 *
 * <p>Usage: {@code ClientBench URI read|write REQUEST_BYTES IN_FLIGHT CONNECTIONS TOTAL_BYTES}
 *
 * <p>One submitting thread per connection (like fio's jobs), each with its share of the requests
 * in flight and its own part of the export. Each timed pass moves exactly TOTAL_BYTES; the figure
 * printed is the median of {@code -Dbench.repeats} (default 3) timed passes. Before them,
 * warm-up passes (a quarter of TOTAL_BYTES each) run for at least {@code -Dbench.warmupSeconds}
 * (default 3) so that the timed passes measure compiled code, not the JIT compiling it; the
 * request buffers (direct; heap with {@code -Dbench.heap=true}) are filled once, outside the timed
 * pass. Callbacks complete on the reader thread unless {@code -Dbench.defaultExecutor=true}.
 *
 * <p>By default each completion issues the next request itself, on the thread that read the
 * reply: fio's nbd engine and nbdcopy reap and submit on one thread too, so the figures compare
 * the clients, not a hand-off. Handing every completion back to a separate submitting thread (a
 * futex wake-up and two context switches per reply) cost up to a fifth of 1 MiB read throughput
 * on this 2-CPU machine; {@code -Dbench.chained=false} measures that way.
 */
public final class ClientBench {
    private ClientBench() {}

    public static void main(String[] args) throws Exception {
        NbdUri uri = NbdUri.parse(args[0]);
        boolean write = args[1].equals("write");
        int size = Integer.parseInt(args[2]);
        int inFlight = Integer.parseInt(args[3]);
        int conns = Integer.parseInt(args[4]);
        long total = Long.parseLong(args[5]);
        ClientOptions opts = ClientOptions.defaults().withConnections(conns).withMetaContexts(List.of());
        if (!Boolean.getBoolean("bench.defaultExecutor")) {
            opts = opts.withCompletionExecutor(Runnable::run); // callbacks below never block
        }
        try (NbdClient nbd = NbdClient.connect(uri, opts)) {
            long exportSize = nbd.size() - nbd.size() % size;
            int threads = nbd.connectionCount();
            ByteBuffer[][] buffers = buffers(threads, Math.max(1, inFlight / threads), size);
            // With a single quarter pass of warm-up, the C1/C2 compiler threads were still busy during
            // the timed pass and took CPU from the client and the server on the 2-CPU machine.
            long warmNanos = (long) (Double.parseDouble(System.getProperty("bench.warmupSeconds", "3")) * 1e9);
            long warmStart = System.nanoTime();
            do {
                parallel(nbd, write, size, buffers, Math.min(total, exportSize) / 4, exportSize);
            } while (System.nanoTime() - warmStart < warmNanos);
            // the median of several timed passes: single passes on the shared 2-CPU machine vary by 20%
            int repeats = Integer.getInteger("bench.repeats", 3);
            double[] secs = new double[repeats];
            long n = 0;
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                n = parallel(nbd, write, size, buffers, total, exportSize);
                secs[r] = (System.nanoTime() - t0) / 1e9;
            }
            Arrays.sort(secs);
            double median = secs[repeats / 2];
            System.out.printf(Locale.ROOT, "%s %d %d %d %.1f %.0f%n", args[1], size, inFlight,
                    nbd.connectionCount(), n * (double) size / median / (1 << 20), n / median);
        }
    }

    /** Per worker thread, one direct buffer per request it keeps in flight, filled with random bytes. */
    private static ByteBuffer[][] buffers(int threads, int perThread, int size) {
        byte[] pattern = new byte[size];
        ByteBuffer[][] b = new ByteBuffer[threads][perThread];
        for (ByteBuffer[] row : b) {
            for (int i = 0; i < perThread; i++) {
                ThreadLocalRandom.current().nextBytes(pattern);
                row[i] = (Boolean.getBoolean("bench.heap") ? ByteBuffer.allocate(size) : ByteBuffer.allocateDirect(size))
                        .put(pattern).clear();
            }
        }
        return b;
    }

    private static long parallel(NbdClient nbd, boolean write, int size, ByteBuffer[][] buffers, long total,
            long exportSize) throws Exception {
        int threads = buffers.length;
        long part = exportSize / threads / size * size;
        long[] counts = new long[threads];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers[t] = new Thread(() -> {
                try {
                    counts[id] = run(nbd, write, size, buffers[id], total / threads, id * part, part);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "bench-" + t);
            workers[t].start();
        }
        long n = 0;
        for (int t = 0; t < threads; t++) {
            workers[t].join();
            n += counts[t];
        }
        if (failure.get() != null) {
            throw new IllegalStateException("benchmark worker failed", failure.get());
        }
        return n;
    }

    private static long run(NbdClient nbd, boolean write, int size, ByteBuffer[] buffers, long total, long base,
            long span) throws Exception {
        if (Boolean.parseBoolean(System.getProperty("bench.chained", "true"))) {
            return new Chain(nbd, write, size, total / size, base, span / size).run(buffers);
        }
        int inFlight = buffers.length;
        Semaphore slots = new Semaphore(inFlight);
        ArrayBlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(inFlight, false, List.of(buffers));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long requests = total / size;
        long offset = 0;
        for (long i = 0; i < requests && failure.get() == null; i++) {
            slots.acquire();
            ByteBuffer b = free.poll();
            b.clear();
            CompletableFuture<Void> f = write ? nbd.writeAsync(base + offset, b) : nbd.readAsync(base + offset, b);
            f.whenComplete((v, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                }
                free.add(b);
                slots.release();
            });
            offset += size;
            if (offset + size > span) {
                offset = 0;
            }
        }
        slots.acquire(inFlight);
        if (failure.get() != null) {
            throw new IllegalStateException("benchmark request failed", failure.get());
        }
        return requests;
    }

    /**
     * Keeps one request in flight per buffer, each completion issuing the next request of the
     * pass (see the class comment), until every request has been answered.
     */
    private static final class Chain {
        private final NbdClient nbd;
        private final boolean write;
        private final int size;
        private final long requests;
        private final long base;
        private final long slots;
        private final AtomicLong next = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private CountDownLatch lanes;

        Chain(NbdClient nbd, boolean write, int size, long requests, long base, long slots) {
            this.nbd = nbd;
            this.write = write;
            this.size = size;
            this.requests = requests;
            this.base = base;
            this.slots = slots;
        }

        long run(ByteBuffer[] buffers) throws InterruptedException {
            lanes = new CountDownLatch(buffers.length);
            for (ByteBuffer b : buffers) {
                lane(b);
            }
            lanes.await();
            if (failure.get() != null) {
                throw new IllegalStateException("benchmark request failed", failure.get());
            }
            return requests;
        }

        /** Issues this lane's next request; loops instead of recursing when it completed at once. */
        private void lane(ByteBuffer b) {
            while (true) {
                long i = next.getAndIncrement();
                if (i >= requests || failure.get() != null) {
                    lanes.countDown();
                    return;
                }
                b.clear();
                long offset = base + i % slots * size;
                CompletableFuture<Void> f = write ? nbd.writeAsync(offset, b) : nbd.readAsync(offset, b);
                if (!f.isDone()) {
                    f.whenComplete((v, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        }
                        lane(b);
                    });
                    return;
                }
                f.exceptionally(e -> {
                    failure.compareAndSet(null, e);
                    return null;
                });
            }
        }
    }
}
