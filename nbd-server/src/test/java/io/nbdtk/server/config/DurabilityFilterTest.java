package io.nbdtk.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.filter.FilterStore;
import io.nbdtk.server.store.BlockStore;
import io.nbdtk.server.store.Capability;
import io.nbdtk.server.store.MemoryStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DurabilityFilterTest {
    /** Records the flags each write-type call arrives with. */
    static final class FlagRecorder extends FilterStore {
        final List<Integer> flags = new ArrayList<>();

        FlagRecorder(BlockStore next) {
            super(next);
        }

        @Override
        public void write(long offset, ByteBuffer src, int f) throws IOException {
            flags.add(f);
            next.write(offset, src, f);
        }

        @Override
        public void zero(long offset, long length, int f) throws IOException {
            flags.add(f);
            next.zero(offset, length, f);
        }
    }

    @Test
    void flushAndFuaAreAdvertisedOnlyWhenConfigured() {
        MemoryStore m = new MemoryStore(4096);
        assertThat(m.capabilities()).contains(Capability.FLUSH, Capability.FUA);

        assertThat(new DurabilityFilter(m, false, false, false).capabilities())
                .doesNotContain(Capability.FLUSH, Capability.FUA).contains(Capability.WRITE);
        assertThat(new DurabilityFilter(m, true, false, false).capabilities())
                .contains(Capability.FLUSH).doesNotContain(Capability.FUA);
        assertThat(new DurabilityFilter(m, false, true, false).capabilities())
                .contains(Capability.FUA).doesNotContain(Capability.FLUSH);
    }

    @Test
    void syncMakesEveryWriteFua() throws IOException {
        FlagRecorder rec = new FlagRecorder(new MemoryStore(8192));
        BlockStore sync = new DurabilityFilter(rec, false, false, true);
        BlockStore plain = new DurabilityFilter(rec, false, false, false);

        sync.write(0, ByteBuffer.wrap(new byte[10]), 0);
        sync.zero(0, 10, BlockStore.NO_HOLE);
        plain.write(0, ByteBuffer.wrap(new byte[10]), 0);

        assertThat(rec.flags).containsExactly(BlockStore.FUA, BlockStore.FUA | BlockStore.NO_HOLE, 0);
    }
}
