package io.nbdtk.server.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.server.store.BlockStore;
import io.nbdtk.server.store.Capability;
import io.nbdtk.server.store.MemoryStore;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FiltersTest {
    private final MemoryStore memory = new MemoryStore(1 << 20);

    private static NbdError errorOf(ThrowingRunnable r) {
        try {
            r.run();
            return null;
        } catch (StoreException e) {
            return e.error();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    interface ThrowingRunnable {
        void run() throws IOException;
    }

    @Test
    void read_only_refuses_writes_with_eperm_and_hides_write_capabilities() throws IOException {
        BlockStore ro = new ReadOnlyFilter(memory);
        assertThat(ro.capabilities()).doesNotContain(Capability.WRITE, Capability.TRIM, Capability.ZERO,
                Capability.FAST_ZERO, Capability.FUA).contains(Capability.FLUSH, Capability.EXTENTS);
        assertThat(errorOf(() -> ro.write(0, ByteBuffer.allocate(1), 0))).isEqualTo(NbdError.EPERM);
        assertThat(errorOf(() -> ro.trim(0, 1, 0))).isEqualTo(NbdError.EPERM);
        assertThat(errorOf(() -> ro.zero(0, 1, 0))).isEqualTo(NbdError.EPERM);
        ro.read(0, ByteBuffer.allocate(10));
        ro.flush();
    }

    @Test
    void error_filter_fails_only_the_chosen_operations_with_the_chosen_error() throws IOException {
        BlockStore faulty = new ErrorFilter(memory, NbdError.ENOSPC, 1.0, Set.of(Op.WRITE), 1);
        assertThat(errorOf(() -> faulty.write(0, ByteBuffer.allocate(1), 0))).isEqualTo(NbdError.ENOSPC);
        assertThat(errorOf(() -> faulty.read(0, ByteBuffer.allocate(1)))).isNull();
    }

    @Test
    void error_rate_with_a_seed_gives_a_repeatable_partial_failure_sequence() {
        List<Boolean> first = failures(new ErrorFilter(memory, NbdError.EIO, 0.3, Set.of(), 42));
        List<Boolean> second = failures(new ErrorFilter(memory, NbdError.EIO, 0.3, Set.of(), 42));
        assertThat(first).isEqualTo(second).contains(true, false);
        assertThat(first.stream().filter(b -> b).count()).isBetween(10L, 60L);
    }

    private static List<Boolean> failures(BlockStore s) {
        List<Boolean> out = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            out.add(errorOf(() -> s.read(0, ByteBuffer.allocate(1))) == NbdError.EIO);
        }
        return out;
    }

    @Test
    void delay_filter_holds_the_chosen_operation_back_at_least_the_delay() throws IOException {
        BlockStore slow = new DelayFilter(memory, Map.of(Op.FLUSH, Duration.ofMillis(50)));
        long t0 = System.nanoTime();
        slow.flush();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
    }

    @Test
    void stats_count_requests_bytes_errors_and_latencies() throws IOException {
        StatsFilter stats = new StatsFilter(new ErrorFilter(memory, NbdError.EIO, 1.0, Set.of(Op.TRIM), 0));
        stats.write(0, ByteBuffer.allocate(4096), 0);
        stats.write(4096, ByteBuffer.allocate(512), 0);
        stats.read(0, ByteBuffer.allocate(100));
        assertThat(errorOf(() -> stats.trim(0, 10, 0))).isEqualTo(NbdError.EIO);

        OpStats.Snapshot w = stats.snapshot(Op.WRITE);
        assertThat(w.requests()).isEqualTo(2);
        assertThat(w.bytes()).isEqualTo(4608);
        assertThat(w.errors()).isZero();
        assertThat(w.quantileMicrosUpperBound(0.99)).isPositive();
        assertThat(stats.snapshot(Op.TRIM).errors()).isEqualTo(1);
        assertThat(stats.snapshot(Op.READ).bytes()).isEqualTo(100);
        assertThat(stats.snapshot(Op.ZERO).requests()).isZero();
    }

    @Test
    void filters_stack_and_the_inner_one_acts_first_on_errors() {
        BlockStore stack = new StatsFilter(new ReadOnlyFilter(new ErrorFilter(memory, NbdError.EIO, 1.0, Set.of(), 0)));
        // read-only rejects the write before the error filter below it sees it
        assertThat(errorOf(() -> stack.write(0, ByteBuffer.allocate(1), 0))).isEqualTo(NbdError.EPERM);
        assertThat(errorOf(() -> stack.read(0, ByteBuffer.allocate(1)))).isEqualTo(NbdError.EIO);
    }

    @Test
    void operation_names_parse_like_nbdkit_filter_parameters() {
        assertThat(Op.parse("pread")).isEqualTo(Op.READ);
        assertThat(Op.parse("write-zeroes")).isEqualTo(Op.ZERO);
        assertThat(Op.parse("block-status")).isEqualTo(Op.EXTENTS);
        assertThatThrownBy(() -> Op.parse("frobnicate")).hasMessageContaining("unknown operation");
    }
}
