package io.nbdtk.server.filter;

import io.nbdtk.server.store.BlockStore;
import io.nbdtk.server.store.Capability;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.store.StoreException;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;

/** Makes any store read-only: write-type operations fail with EPERM and are not advertised. */
public final class ReadOnlyFilter extends FilterStore {
    private static final Set<Capability> WRITE_CAPS = EnumSet.of(Capability.WRITE, Capability.TRIM,
            Capability.ZERO, Capability.FAST_ZERO, Capability.FUA, Capability.TRANSFER_FROM,
            Capability.SPLICE_FROM);

    public ReadOnlyFilter(BlockStore next) {
        super(next);
    }

    @Override
    public Set<Capability> capabilities() {
        Set<Capability> caps = EnumSet.noneOf(Capability.class);
        caps.addAll(next.capabilities());
        caps.removeAll(WRITE_CAPS);
        return caps;
    }

    @Override
    protected void before(Op op, long offset, long length) throws IOException {
        if (op == Op.WRITE || op == Op.TRIM || op == Op.ZERO) {
            throw new StoreException(NbdError.EPERM, "export is read-only");
        }
    }
}
