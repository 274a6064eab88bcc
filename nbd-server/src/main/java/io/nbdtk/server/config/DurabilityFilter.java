package io.nbdtk.server.config;

import io.nbdtk.server.filter.FilterStore;
import io.nbdtk.server.store.BlockStore;
import io.nbdtk.server.store.Capability;
import io.nbdtk.server.store.PayloadSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;

/**
 * The reference server's {@code flush}, {@code fua} and {@code sync} keys on top of any store:
 * FLUSH and FUA are advertised only when configured (the reference's defaults are off), and with
 * {@code sync} every write-type request is made durable before it is answered.
 */
final class DurabilityFilter extends FilterStore {
    private final boolean flush;
    private final boolean fua;
    private final boolean sync;

    DurabilityFilter(BlockStore next, boolean flush, boolean fua, boolean sync) {
        super(next);
        this.flush = flush;
        this.fua = fua;
        this.sync = sync;
    }

    @Override
    public Set<Capability> capabilities() {
        Set<Capability> caps = EnumSet.noneOf(Capability.class);
        caps.addAll(next.capabilities());
        if (!flush) {
            caps.remove(Capability.FLUSH);
        }
        if (!fua) {
            caps.remove(Capability.FUA);
        }
        return caps;
    }

    private int flags(int requested) {
        return sync ? requested | BlockStore.FUA : requested;
    }

    @Override
    public void write(long offset, ByteBuffer src, int flags) throws IOException {
        next.write(offset, src, flags(flags));
    }

    @Override
    public void transferFrom(long offset, int length, PayloadSource source, int flags) throws IOException {
        next.transferFrom(offset, length, source, flags(flags));
    }

    @Override
    public void zero(long offset, long length, int flags) throws IOException {
        next.zero(offset, length, flags(flags));
    }

    @Override
    public void trim(long offset, long length, int flags) throws IOException {
        next.trim(offset, length, flags(flags));
    }
}
