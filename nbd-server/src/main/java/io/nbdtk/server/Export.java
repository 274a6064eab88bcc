package io.nbdtk.server;

import io.nbdtk.protocol.TransmissionFlags;
import io.nbdtk.server.filter.StatsFilter;
import io.nbdtk.server.store.BlockStore;
import io.nbdtk.server.store.Capability;
import java.io.IOException;
import java.util.Set;

/** An opened export: its spec, the top of its store stack and its statistics. */
public final class Export implements AutoCloseable {
    private final ExportSpec spec;
    private final BlockStore store;
    private final StatsFilter stats;
    private final Set<Capability> caps;

    public Export(ExportSpec spec, BlockStore store, StatsFilter stats) {
        this.spec = spec;
        this.store = store;
        this.stats = stats;
        this.caps = store.capabilities();
    }

    public String name() {
        return spec.name();
    }

    public String description() {
        return spec.description();
    }

    public ExportSpec spec() {
        return spec;
    }

    public BlockStore store() {
        return store;
    }

    public StatsFilter stats() {
        return stats;
    }

    public long size() {
        return store.size();
    }

    public int minBlockSize() {
        return spec.minBlockSize();
    }

    public boolean can(Capability c) {
        return caps.contains(c);
    }

    public boolean readOnly() {
        return !can(Capability.WRITE);
    }

    public boolean flushAdvertised() {
        return spec.flush() && can(Capability.FLUSH);
    }

    public boolean fuaAdvertised() {
        return spec.flush() && !readOnly() && can(Capability.FUA);
    }

    public boolean trimAdvertised() {
        return spec.trim() && !readOnly() && can(Capability.TRIM);
    }

    public boolean zeroAdvertised() {
        return !readOnly() && can(Capability.ZERO);
    }

    public boolean fastZeroAdvertised() {
        return zeroAdvertised() && can(Capability.FAST_ZERO);
    }

    public boolean cacheAdvertised() {
        return can(Capability.CACHE);
    }

    /**
     * The transmission flags, true to what this export does; DF only where structured replies
     * were negotiated (the spec forbids it otherwise).
     */
    public int transmissionFlags(boolean structuredReplies) {
        int f = TransmissionFlags.HAS_FLAGS;
        if (readOnly()) {
            f |= TransmissionFlags.READ_ONLY;
        }
        if (flushAdvertised()) {
            f |= TransmissionFlags.SEND_FLUSH;
        }
        if (fuaAdvertised()) {
            f |= TransmissionFlags.SEND_FUA;
        }
        if (spec.rotational() || can(Capability.ROTATIONAL)) {
            f |= TransmissionFlags.ROTATIONAL;
        }
        if (trimAdvertised()) {
            f |= TransmissionFlags.SEND_TRIM;
        }
        if (zeroAdvertised()) {
            f |= TransmissionFlags.SEND_WRITE_ZEROES;
        }
        if (fastZeroAdvertised()) {
            f |= TransmissionFlags.SEND_FAST_ZERO;
        }
        if (structuredReplies) {
            f |= TransmissionFlags.SEND_DF;
        }
        if (spec.multiConn() && can(Capability.MULTI_CONN)) {
            f |= TransmissionFlags.CAN_MULTI_CONN;
        }
        if (cacheAdvertised()) {
            f |= TransmissionFlags.SEND_CACHE;
        }
        return f;
    }

    /** Flushes and closes the store (called once, after every connection has finished). */
    @Override
    public void close() throws IOException {
        try {
            if (!readOnly()) {
                store.flush();
            }
        } finally {
            store.close();
        }
    }
}
