package io.nbdtk.server.filter;

import io.nbdtk.server.store.BlockStore;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.store.StoreException;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;

/**
 * Injects errors like nbdkit's error filter: a chosen error on chosen operations with a given
 * probability. A fixed seed makes the sequence of failures repeatable.
 */
public final class ErrorFilter extends FilterStore {
    private final NbdError error;
    private final double rate;
    private final Set<Op> ops;
    private final Random random;

    /**
     * @param rate probability in [0, 1] that an affected operation fails
     * @param ops operations affected (empty = all)
     */
    public ErrorFilter(BlockStore next, NbdError error, double rate, Set<Op> ops, long seed) {
        super(next);
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("error rate must be within [0, 1]: " + rate);
        }
        this.error = error;
        this.rate = rate;
        this.ops = ops.isEmpty() ? EnumSet.allOf(Op.class) : EnumSet.copyOf(ops);
        this.random = new Random(seed);
    }

    @Override
    protected void before(Op op, long offset, long length) throws IOException {
        if (!ops.contains(op) || rate == 0) {
            return;
        }
        boolean fail;
        synchronized (random) {
            fail = rate >= 1 || random.nextDouble() < rate;
        }
        if (fail) {
            throw new StoreException(error, "injected " + error + " on " + op.name().toLowerCase(java.util.Locale.ROOT));
        }
    }
}
