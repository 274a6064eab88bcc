package io.nbdtk.server.store;

import io.nbdtk.protocol.NbdError;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Behaviour every writable BlockStore shares; subclasses supply a fresh 1 MiB store. */
abstract class BlockStoreContract {
    static final long SIZE = 1 << 20;
    BlockStore store;

    abstract BlockStore newStore(long size) throws IOException;

    @BeforeEach
    void open() throws IOException {
        store = newStore(SIZE);
    }

    @AfterEach
    void closeStore() throws IOException {
        store.close();
    }

    static byte[] pattern(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    byte[] read(long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        store.read(offset, buf);
        assertThat(buf.hasRemaining()).isFalse();
        return buf.array();
    }

    @Test
    void fresh_store_reads_zeros_and_has_the_requested_size() throws IOException {
        assertThat(store.size()).isEqualTo(SIZE);
        assertThat(read(12345, 7000)).containsOnly(0);
    }

    @Test
    void written_bytes_read_back_across_page_boundaries() throws IOException {
        byte[] data = pattern(200_000, 1);
        store.write(65_000, ByteBuffer.wrap(data), 0);
        assertThat(read(65_000, data.length)).isEqualTo(data);
        assertThat(read(64_999, 1)).containsOnly(0);
    }

    @Test
    void reads_fill_direct_buffers() throws IOException {
        byte[] data = pattern(4096, 2);
        store.write(4096, ByteBuffer.wrap(data), BlockStore.FUA);
        ByteBuffer direct = ByteBuffer.allocateDirect(4096);
        store.read(4096, direct);
        direct.flip();
        byte[] got = new byte[4096];
        direct.get(got);
        assertThat(got).isEqualTo(data);
    }

    @Test
    void trim_and_zero_make_ranges_read_as_zeros() throws IOException {
        store.write(0, ByteBuffer.wrap(pattern((int) SIZE, 3)), 0);
        store.trim(0, 256 * 1024, 0);
        store.zero(512 * 1024, 100_000, 0);
        store.zero(700_000, 5000, BlockStore.NO_HOLE);
        assertThat(read(512 * 1024, 100_000)).containsOnly(0);
        assertThat(read(700_000, 5000)).containsOnly(0);
        assertThat(read(700_000 - 1, 1)).isNotEqualTo(new byte[1]).hasSize(1);
    }

    @Test
    void ranges_beyond_the_end_are_refused() {
        assertThatThrownBy(() -> store.read(SIZE - 10, ByteBuffer.allocate(11)))
                .isInstanceOf(StoreException.class)
                .extracting(e -> ((StoreException) e).error()).isEqualTo(NbdError.EINVAL);
        assertThatThrownBy(() -> store.write(SIZE, ByteBuffer.allocate(1), 0))
                .extracting(e -> ((StoreException) e).error()).isEqualTo(NbdError.ENOSPC);
        assertThatThrownBy(() -> store.zero(Long.MAX_VALUE - 1, 10, 0))
                .extracting(e -> ((StoreException) e).error()).isEqualTo(NbdError.ENOSPC);
    }

    @Test
    void extents_cover_the_range_contiguously() throws IOException {
        store.write(128 * 1024, ByteBuffer.wrap(pattern(64 * 1024, 4)), 0);
        List<Extent> all = new ArrayList<>();
        long pos = 0;
        while (pos < SIZE) {
            List<Extent> part = store.extents(pos, SIZE - pos);
            assertThat(part).isNotEmpty();
            for (Extent e : part) {
                all.add(e);
                pos += e.length();
            }
        }
        assertThat(pos).isEqualTo(SIZE);
        // the written range is never reported as a zero hole
        long at = 0;
        for (Extent e : all) {
            if (at < 192 * 1024 && at + e.length() > 128 * 1024) {
                assertThat(e.isHole()).as("extent at %d", at).isFalse();
            }
            at += e.length();
        }
    }

    @Test
    void concurrent_writers_to_distinct_ranges_all_land() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int slot = i;
                fs.add(pool.submit(() -> {
                    store.write(slot * 16384L, ByteBuffer.wrap(pattern(16384, slot)), 0);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        store.flush();
        for (int i = 0; i < 64; i++) {
            assertThat(read(i * 16384L, 16384)).isEqualTo(pattern(16384, i));
        }
    }

    @Test
    void cache_is_accepted_and_changes_nothing() throws IOException {
        store.write(0, ByteBuffer.wrap(pattern(1000, 5)), 0);
        store.cache(0, SIZE);
        assertThat(read(0, 1000)).isEqualTo(pattern(1000, 5));
    }
}
