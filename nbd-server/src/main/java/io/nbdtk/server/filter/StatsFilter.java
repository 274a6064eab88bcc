package io.nbdtk.server.filter;

import io.nbdtk.server.os.SocketSplice;
import io.nbdtk.server.store.BlockStore;
import io.nbdtk.server.store.Capability;
import io.nbdtk.server.store.Extent;
import io.nbdtk.server.store.PayloadSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Counts requests, bytes and errors per operation and records latencies in a histogram, for one
 * export. Cheap enough to leave on: a few atomic additions per request.
 */
public final class StatsFilter extends FilterStore {
    private final Map<Op, OpStats> stats = new EnumMap<>(Op.class);

    public StatsFilter(BlockStore next) {
        super(next);
        for (Op op : Op.values()) {
            stats.put(op, new OpStats());
        }
    }

    /** A filter over {@code next} that adds to the same counters as {@code sharing}. */
    public StatsFilter(BlockStore next, StatsFilter sharing) {
        super(next);
        stats.putAll(sharing.stats);
    }

    /**
     * Counting never blocks nor looks at data, so the next store's capabilities stand,
     * {@link Capability#INLINE} and {@link Capability#TRANSFER_FROM} included.
     */
    @Override
    public Set<Capability> capabilities() {
        return next.capabilities();
    }

    /** Current figures for one operation. */
    public OpStats.Snapshot snapshot(Op op) {
        return stats.get(op).snapshot();
    }

    /** Current figures for every operation. */
    public Map<Op, OpStats.Snapshot> snapshot() {
        Map<Op, OpStats.Snapshot> out = new EnumMap<>(Op.class);
        stats.forEach((op, s) -> out.put(op, s.snapshot()));
        return out;
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> T timed(Op op, long bytes, Call<T> call) throws IOException {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            T result = call.run();
            ok = true;
            return result;
        } finally {
            stats.get(op).record(bytes, System.nanoTime() - start, ok);
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        timed(Op.READ, dst.remaining(), () -> {
            next.read(offset, dst);
            return null;
        });
    }

    @Override
    public void transferTo(ByteBuffer prefix, long offset, long length, WritableByteChannel target) throws IOException {
        timed(Op.READ, length, () -> {
            next.transferTo(prefix, offset, length, target);
            return null;
        });
    }

    @Override
    public void spliceTo(ByteBuffer prefix, long offset, int length, SocketSplice out) throws IOException {
        timed(Op.READ, length, () -> {
            next.spliceTo(prefix, offset, length, out);
            return null;
        });
    }

    @Override
    public void write(long offset, ByteBuffer src, int flags) throws IOException {
        timed(Op.WRITE, src.remaining(), () -> {
            next.write(offset, src, flags);
            return null;
        });
    }

    @Override
    public void transferFrom(long offset, int length, PayloadSource source, int flags) throws IOException {
        timed(Op.WRITE, length, () -> {
            next.transferFrom(offset, length, source, flags);
            return null;
        });
    }

    @Override
    public void flush() throws IOException {
        timed(Op.FLUSH, 0, () -> {
            next.flush();
            return null;
        });
    }

    @Override
    public void trim(long offset, long length, int flags) throws IOException {
        timed(Op.TRIM, length, () -> {
            next.trim(offset, length, flags);
            return null;
        });
    }

    @Override
    public void zero(long offset, long length, int flags) throws IOException {
        timed(Op.ZERO, length, () -> {
            next.zero(offset, length, flags);
            return null;
        });
    }

    @Override
    public void cache(long offset, long length) throws IOException {
        timed(Op.CACHE, length, () -> {
            next.cache(offset, length);
            return null;
        });
    }

    @Override
    public List<Extent> extents(long offset, long length) throws IOException {
        return timed(Op.EXTENTS, length, () -> next.extents(offset, length));
    }
}
