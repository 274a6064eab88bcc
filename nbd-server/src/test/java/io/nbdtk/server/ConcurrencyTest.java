package io.nbdtk.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.filter.StatsFilter;
import io.nbdtk.server.store.MemoryStore;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Out-of-order replies, and a graceful stop that finishes in-flight requests. */
class ConcurrencyTest {
    private static NbdServer serve(GateFilter gate) throws IOException {
        StatsFilter stats = new StatsFilter(gate);
        Export export = new Export(ExportSpec.of("g", new ExportSpec.Memory(1 << 20)), stats, stats);
        return NbdServer.builder().listenLoopback().export(export).start();
    }

    @Test
    void a_slow_request_does_not_hold_back_later_replies() throws Exception {
        GateFilter gate = new GateFilter(new MemoryStore(1 << 20), 0);
        NbdServer server = serve(gate);
        try (RawClient c = RawClient.connect(server)) {
            c.go("g");
            c.request(0, 0, 1, 0, 512, null); // held at the gate
            assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
            c.request(0, 0, 2, 4096, 512, null);
            assertThat(c.simpleReply(2)).isZero(); // answered first, out of order
            c.read(512);
            gate.open();
            assertThat(c.simpleReply(1)).isZero();
            c.read(512);
        } finally {
            gate.open();
            server.close();
        }
    }

    @Test
    void stopping_the_server_finishes_in_flight_writes_and_flushes() throws Exception {
        GateFilter gate = new GateFilter(new MemoryStore(1 << 20), 8192);
        NbdServer server = serve(gate);
        try (RawClient c = RawClient.connect(server)) {
            c.go("g");
            c.request(0, 1, 1, 8192, 4, new byte[] {1, 2, 3, 4});
            assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);
            gate.open();
            assertThat(c.simpleReply(1)).isZero(); // the in-flight write was answered
            stopping.get(30, TimeUnit.SECONDS);
            assertThat(c.closedByServer()).isTrue();
            assertThat(gate.flushes.get()).isPositive(); // export flushed on the way out
        } finally {
            gate.open();
            server.close();
        }
    }

    @Test
    void many_connections_pipeline_writes_and_all_land() throws Exception {
        NbdServer server = ServerFixture.memory("m", 4 << 20);
        try {
            CompletableFuture<?>[] clients = new CompletableFuture<?>[8];
            for (int i = 0; i < clients.length; i++) {
                int id = i;
                clients[i] = CompletableFuture.runAsync(() -> {
                    try (RawClient c = RawClient.connect(server)) {
                        c.go("m");
                        // 16 writes pipelined before reading any reply
                        for (int k = 0; k < 16; k++) {
                            c.request(0, 1, k, (id * 16L + k) * 4096, 4096, ServerFixture.pattern(4096, id * 100 + k));
                        }
                        java.util.Set<Long> cookies = new java.util.HashSet<>();
                        for (int k = 0; k < 16; k++) {
                            RawClient.Chunk r = c.nextReply();
                            assertThat(r.error()).isZero();
                            cookies.add(r.cookie());
                        }
                        assertThat(cookies).hasSize(16);
                        for (int k = 0; k < 16; k++) {
                            assertThat(c.readSimple(100 + k, (id * 16L + k) * 4096, 4096))
                                    .isEqualTo(ServerFixture.pattern(4096, id * 100 + k));
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
            }
            CompletableFuture.allOf(clients).get(60, TimeUnit.SECONDS);
        } finally {
            server.close();
        }
    }

    /** Holds every READ until opened, counting how many are inside at once. */
    private static final class HoldAllReads extends io.nbdtk.server.filter.FilterStore {
        final java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);

        HoldAllReads(io.nbdtk.server.store.BlockStore next) {
            super(next);
        }

        @Override
        protected void before(io.nbdtk.server.filter.Op op, long offset, long length) throws IOException {
            if (op != io.nbdtk.server.filter.Op.READ) {
                return;
            }
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            } finally {
                inside.decrementAndGet();
            }
        }
    }

    @Test
    void requests_in_flight_per_connection_are_bounded() throws Exception {
        HoldAllReads hold = new HoldAllReads(new MemoryStore(1 << 20));
        StatsFilter stats = new StatsFilter(hold);
        Export export = new Export(ExportSpec.of("b", new ExportSpec.Memory(1 << 20)), stats, stats);
        NbdServer server = NbdServer.builder().listenLoopback().export(export).maxInFlight(2).start();
        try (RawClient c = RawClient.connect(server)) {
            c.go("b");
            for (int k = 1; k <= 4; k++) {
                c.request(0, 0, k, k * 4096L, 512, null);
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> hold.inside.get() == 2);
            // the other two stay unread on the socket while both slots are busy
            org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(500))
                    .atMost(java.time.Duration.ofSeconds(5)).until(() -> hold.inside.get() == 2);
            hold.gate.countDown();
            java.util.Set<Long> answered = new java.util.HashSet<>();
            for (int k = 0; k < 4; k++) {
                RawClient.Chunk r = c.nextReply();
                assertThat(r.error()).isZero();
                answered.add(r.cookie());
                c.read(512);
            }
            assertThat(answered).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
            assertThat(hold.most.get()).isEqualTo(2);
        } finally {
            hold.gate.countDown();
            server.close();
        }
    }
}
