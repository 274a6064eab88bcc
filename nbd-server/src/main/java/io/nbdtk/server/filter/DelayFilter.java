package io.nbdtk.server.filter;

import io.nbdtk.server.store.BlockStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/** Delays chosen operations by a fixed time before passing them on, like nbdkit's delay filter. */
public final class DelayFilter extends FilterStore {
    private final Map<Op, Duration> delays;

    public DelayFilter(BlockStore next, Map<Op, Duration> delays) {
        super(next);
        this.delays = delays.isEmpty() ? new EnumMap<>(Op.class) : new EnumMap<>(delays);
    }

    @Override
    protected void before(Op op, long offset, long length) throws IOException {
        Duration d = delays.get(op);
        if (d == null || d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("delay interrupted");
        }
    }
}
