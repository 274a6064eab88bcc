package io.nbdtk.server;

import io.nbdtk.server.filter.FilterStore;
import io.nbdtk.server.filter.Op;
import io.nbdtk.server.store.BlockStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Test filter: holds operations at one offset until {@link #open()}; counts flushes. */
final class GateFilter extends FilterStore {
    final long gatedOffset;
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch gate = new CountDownLatch(1);
    final AtomicInteger flushes = new AtomicInteger();

    GateFilter(BlockStore next, long gatedOffset) {
        super(next);
        this.gatedOffset = gatedOffset;
    }

    void open() {
        gate.countDown();
    }

    @Override
    protected void before(Op op, long offset, long length) throws IOException {
        if (op == Op.FLUSH) {
            flushes.incrementAndGet();
        }
        if (offset == gatedOffset && (op == Op.READ || op == Op.WRITE)) {
            entered.countDown();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
        }
    }
}
