package io.nbdtk.server;

import io.nbdtk.server.filter.FilterStore;
import io.nbdtk.server.filter.Op;
import io.nbdtk.server.store.BlockStore;
import io.nbdtk.server.store.MemoryStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test backend that shows which connection served a request: it asks for a store per connection
 * ({@link #perConnection()}), but every store is a counting view of one shared RAM disk, so the
 * data stays consistent across connections and CAN_MULTI_CONN is still truthful.
 */
final class ConnectionCountingBackend implements ExportSpec.Backend {
    private final MemoryStore shared;
    private final List<Counting> opened = new CopyOnWriteArrayList<>();

    ConnectionCountingBackend(long size) {
        this.shared = new MemoryStore(size);
    }

    @Override
    public BlockStore open(boolean readOnly) {
        Counting c = new Counting(shared);
        opened.add(c);
        return c;
    }

    @Override
    public boolean perConnection() {
        return true;
    }

    /** WRITE requests served through each store opened so far (the export's own one included). */
    List<Integer> writesPerStore() {
        return opened.stream().map(c -> c.writes.get()).toList();
    }

    private static final class Counting extends FilterStore {
        final AtomicInteger writes = new AtomicInteger();

        Counting(BlockStore next) {
            super(next);
        }

        @Override
        protected void before(Op op, long offset, long length) {
            if (op == Op.WRITE) {
                writes.incrementAndGet();
            }
        }

        @Override
        public void close() {
            // the RAM disk is shared by every connection's view: closing one view must not free it
        }
    }
}
