package io.nbdtk.server.store;

import io.nbdtk.protocol.NbdError;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class MemoryStoreTest extends BlockStoreContract {
    @Override
    BlockStore newStore(long size) {
        return new MemoryStore(size);
    }

    @Test
    void a_terabyte_export_costs_nothing_until_written() throws IOException {
        MemoryStore big = new MemoryStore(1L << 40);
        assertThat(big.allocatedBytes()).isZero();
        assertThat(big.extents(0, 1L << 40)).containsExactly(new Extent(1L << 40, Extent.HOLE_ZERO));
        big.write((1L << 40) - 4096, ByteBuffer.wrap(pattern(4096, 9)), 0);
        assertThat(big.allocatedBytes()).isEqualTo(MemoryStore.DEFAULT_PAGE_SIZE);
        assertThat(big.extents(0, 1L << 40)).containsExactly(
                new Extent((1L << 40) - 65536, Extent.HOLE_ZERO), new Extent(65536, Extent.DATA));
    }

    @Test
    void trimming_whole_pages_frees_them_and_reports_holes_again() throws IOException {
        MemoryStore m = (MemoryStore) store;
        m.write(0, ByteBuffer.wrap(pattern(256 * 1024, 1)), 0);
        assertThat(m.allocatedBytes()).isEqualTo(256 * 1024);
        m.trim(0, 128 * 1024, 0);
        m.zero(192 * 1024, 64 * 1024, 0);
        assertThat(m.allocatedBytes()).isEqualTo(64 * 1024);
        assertThat(m.extents(0, 256 * 1024)).containsExactly(
                new Extent(128 * 1024, Extent.HOLE_ZERO), new Extent(64 * 1024, Extent.DATA),
                new Extent(64 * 1024, Extent.HOLE_ZERO));
    }

    @Test
    void partial_page_trim_zeroes_without_freeing() throws IOException {
        MemoryStore m = (MemoryStore) store;
        m.write(0, ByteBuffer.wrap(pattern(65536, 2)), 0);
        m.trim(100, 200, 0);
        assertThat(m.allocatedBytes()).isEqualTo(65536);
        assertThat(read(100, 200)).containsOnly(0);
        assertThat(read(0, 100)).isEqualTo(java.util.Arrays.copyOf(pattern(65536, 2), 100));
    }

    @Test
    void fast_zero_is_refused_only_when_holes_are_forbidden() throws IOException {
        store.zero(0, 65536, BlockStore.FAST_ZERO);
        assertThatThrownBy(() -> store.zero(0, 65536, BlockStore.FAST_ZERO | BlockStore.NO_HOLE))
                .extracting(e -> ((StoreException) e).error()).isEqualTo(NbdError.ENOTSUP);
    }

    @Test
    void extents_are_clipped_to_the_requested_length() throws IOException {
        store.write(0, ByteBuffer.wrap(pattern(3 * 65536, 3)), 0);
        assertThat(store.extents(1000, 70_000)).containsExactly(new Extent(70_000, Extent.DATA));
        assertThat(store.extents(3 * 65536 + 10, 100)).containsExactly(new Extent(100, Extent.HOLE_ZERO));
    }

    @Test
    void transfer_to_a_channel_sends_pages_and_zeros_for_holes() throws IOException {
        byte[] data = pattern(100_000, 6);
        store.write(70_000, ByteBuffer.wrap(data), 0);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        store.transferTo(ByteBuffer.wrap(new byte[] {1, 2, 3}), 60_000, 120_000, java.nio.channels.Channels.newChannel(out));
        byte[] sent = out.toByteArray();
        assertThat(java.util.Arrays.copyOf(sent, 3)).containsExactly(1, 2, 3);
        assertThat(java.util.Arrays.copyOfRange(sent, 3, sent.length)).isEqualTo(read(60_000, 120_000));
        assertThat(store.capabilities()).contains(Capability.TRANSFER_TO);
    }

    @Test
    void transfer_from_a_source_fills_pages_across_boundaries_in_one_read() throws IOException {
        byte[] data = pattern(150_000, 7);
        int[] calls = {0};
        store.transferFrom(60_000, data.length, (dsts, count) -> {
            calls[0]++;
            ByteBuffer src = ByteBuffer.wrap(data);
            for (int i = 0; i < count; i++) {
                ByteBuffer part = src.slice(src.position(), dsts[i].remaining());
                src.position(src.position() + part.remaining());
                dsts[i].put(part);
            }
            assertThat(src.hasRemaining()).as("the buffers hold exactly the payload").isFalse();
        }, 0);
        assertThat(calls[0]).isEqualTo(1);
        assertThat(read(60_000, data.length)).isEqualTo(data);
        assertThat(read(59_999, 1)).containsOnly(0);
        assertThat(read(210_000, 1)).containsOnly(0);
        assertThat(store.capabilities()).contains(Capability.TRANSFER_FROM);
    }

    @Test
    void transfer_from_past_the_end_is_refused_before_the_source_is_touched() {
        PayloadSource untouchable = (dsts, count) -> {
            throw new AssertionError("the payload must stay on the wire for the caller to drain");
        };
        assertThatThrownBy(() -> store.transferFrom(SIZE - 100, 200, untouchable, 0))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(NbdError.ENOSPC));
    }

    @Test
    void a_source_that_breaks_part_way_reports_the_failure() throws IOException {
        PayloadSource broken = (dsts, count) -> {
            dsts[0].put((byte) 42);
            throw new java.io.EOFException("peer went away");
        };
        assertThatThrownBy(() -> store.transferFrom(0, 4096, broken, 0)).isInstanceOf(java.io.EOFException.class);
        // a torn, unacknowledged write: what arrived may be there, nothing else changed
        assertThat(read(1, 4095)).containsOnly(0);
    }

    /** Fills what it is given with {@code value} and records which way it was asked. */
    private static class RecordingSource implements PayloadSource {
        final java.util.List<String> ways = new java.util.concurrent.CopyOnWriteArrayList<>();
        final byte value;
        java.util.concurrent.CountDownLatch entered;
        java.util.concurrent.CountDownLatch proceed;

        RecordingSource(int value) {
            this.value = (byte) value;
        }

        @Override
        public void readFully(ByteBuffer[] dsts, int count) {
            fill("direct", dsts, count);
        }

        @Override
        public void readFullyThroughPipe(ByteBuffer[] dsts, int count) {
            fill("pipe", dsts, count);
        }

        private void fill(String way, ByteBuffer[] dsts, int count) {
            ways.add(way);
            if (entered != null) {
                entered.countDown();
                try {
                    proceed.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            for (int k = 0; k < count; k++) {
                while (dsts[k].hasRemaining()) {
                    dsts[k].put(value);
                }
            }
        }
    }

    @Test
    void a_lone_large_payload_comes_through_the_pipe_and_others_directly() throws Exception {
        MemoryStore mem = new MemoryStore(8 << 20);
        RecordingSource lone = new RecordingSource(7);
        mem.transferFrom(100, 1 << 20, lone, 0);
        mem.transferFrom(0, 4096, lone, 0);
        assertThat(lone.ways).containsExactly("pipe", "direct");

        RecordingSource slow = new RecordingSource(8);
        slow.entered = new java.util.concurrent.CountDownLatch(1);
        slow.proceed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Void> first = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                mem.transferFrom(4 << 20, 1 << 20, slow, 0);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        RecordingSource beside = new RecordingSource(9);
        try {
            assertThat(slow.entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            mem.transferFrom(2 << 20, 1 << 20, beside, 0);
        } finally {
            slow.proceed.countDown();
        }
        first.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(slow.ways).containsExactly("pipe");
        assertThat(beside.ways).containsExactly("direct");
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        mem.read(2 << 20, b);
        assertThat(b.array()).containsOnly(9);
        b.clear();
        mem.read(4 << 20, b);
        assertThat(b.array()).containsOnly(8);
    }
}
