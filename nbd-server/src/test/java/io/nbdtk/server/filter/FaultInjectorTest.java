package io.nbdtk.server.filter;

import static io.nbdtk.server.filter.RequestKind.FLUSH;
import static io.nbdtk.server.filter.RequestKind.READ;
import static io.nbdtk.server.filter.RequestKind.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class FaultInjectorTest {

    private static List<FaultAction> outcomes(FaultInjector f, int n, IntFunction<FaultInjector.Decision> req) {
        List<FaultAction> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(req.apply(i).outcome());
        }
        return out;
    }

    @Test
    void errorsOnlyTheWatchedKind() {
        FaultInjector f = new FaultInjector(FaultSpec.parse("error=EIO,ops=read"));
        assertThat(f.onRequest(1, READ, 0, 512).outcome()).isEqualTo(new FaultAction.Error("EIO"));
        assertThat(f.onRequest(1, WRITE, 0, 512).isServe()).isTrue();
    }

    @Test
    void nthFiresExactlyOnce() {
        FaultInjector f = new FaultInjector(FaultSpec.parse("error=EIO,ops=read,nth=3"));
        List<FaultAction> got = outcomes(f, 5, i -> f.onRequest(1, READ, 0, 512));
        FaultAction eio = new FaultAction.Error("EIO");
        assertThat(got).containsExactly(null, null, eio, null, null);
    }

    @Test
    void timesLimitsAndAfterSkips() {
        FaultInjector f = new FaultInjector(FaultSpec.parse("error=EPERM,after=1,times=2"));
        List<FaultAction> got = outcomes(f, 5, i -> f.onRequest(1, WRITE, 0, 1));
        FaultAction e = new FaultAction.Error("EPERM");
        assertThat(got).containsExactly(null, e, e, null, null);
    }

    @Test
    void offsetRangeIsHalfOpenAndMatchesOverlaps() {
        FaultInjector f = new FaultInjector(FaultSpec.parse("error=EIO,offset=4096-8192"));
        assertThat(f.onRequest(1, READ, 0, 4096).isServe()).isTrue();
        assertThat(f.onRequest(1, READ, 0, 4097).isServe()).isFalse();
        assertThat(f.onRequest(1, READ, 8191, 1).isServe()).isFalse();
        assertThat(f.onRequest(1, READ, 8192, 4096).isServe()).isTrue();
    }

    @Test
    void seededProbabilityIsReproducible() {
        String spec = "error=EIO,rate=30%,seed=42";
        FaultInjector a = new FaultInjector(FaultSpec.parse(spec));
        FaultInjector b = new FaultInjector(FaultSpec.parse(spec));
        List<FaultAction> first = outcomes(a, 200, i -> a.onRequest(1, READ, i, 1));
        List<FaultAction> second = outcomes(b, 200, i -> b.onRequest(1, READ, i, 1));
        assertThat(first).isEqualTo(second);
        long errors = first.stream().filter(x -> x != null).count();
        assertThat(errors).isBetween(30L, 90L);
    }

    @Test
    void disconnectAfterBytesCountsPerConnection() {
        FaultInjector f = new FaultInjector(FaultSpec.parse("disconnect,after-bytes=1k"));
        assertThat(f.onRequest(1, WRITE, 0, 1024).isServe()).isTrue();
        assertThat(f.onRequest(2, WRITE, 0, 1024).isServe()).isTrue();
        assertThat(f.onRequest(1, READ, 0, 1).outcome()).isEqualTo(new FaultAction.Disconnect());
    }

    @Test
    void delaysAddUpWithBoundedJitter() {
        FaultInjector f = new FaultInjector(FaultSpec.parse("delay=10ms,jitter=5ms; delay=1ms,ops=read"));
        FaultInjector.Decision d = f.onRequest(1, READ, 0, 1);
        assertThat(d.outcome()).isNull();
        assertThat(d.delay()).isBetween(Duration.ofMillis(11), Duration.ofMillis(16));
    }

    @Test
    void theFirstTerminalRuleWinsAndEveryRuleCountsEveryRequest() {
        FaultInjector f = new FaultInjector(FaultSpec.parse("error=EIO,times=1; error=ENOSPC,nth=1; error=EPERM,nth=2"));
        assertThat(f.onRequest(1, WRITE, 0, 1).outcome()).isEqualTo(new FaultAction.Error("EIO"));
        assertThat(f.onRequest(1, WRITE, 0, 1).outcome()).isEqualTo(new FaultAction.Error("EPERM"));
        assertThat(f.onRequest(1, WRITE, 0, 1).isServe()).isTrue();
        assertThat(f.firedCounts()).containsExactly(1L, 0L, 1L);
    }

    @Test
    void stalledRequestsGoOnWhenTheGateOpens() throws Exception {
        FaultInjector f = new FaultInjector(FaultSpec.parse("stall=g,ops=flush"));
        FaultInjector.Decision d = f.onRequest(1, FLUSH, 0, 0);
        assertThat(d.gates()).containsExactly("g");
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> f.await(d));
        await().atMost(10, TimeUnit.SECONDS).until(() -> f.stalled("g") == 1);
        assertThat(waiter).isNotDone();
        f.release("g");
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(f.stalled("g")).isZero();
    }

    @Test
    void clearingReleasesStalls() throws Exception {
        FaultInjector f = new FaultInjector(FaultSpec.parse("stall=g"));
        FaultInjector.Decision d = f.onRequest(1, READ, 0, 1);
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> f.await(d));
        await().atMost(10, TimeUnit.SECONDS).until(() -> f.stalled("g") == 1);
        f.clear();
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(f.onRequest(1, READ, 0, 1).isServe()).isTrue();
    }

    @Test
    void handshakeFaultsActOnOptionsAndConnections() {
        FaultInjector f = new FaultInjector(FaultSpec.parse(
                "refuse-option=structured_reply; drop-at-option=go,times=1; hide=multi-conn|trim"));
        assertThat(f.onOption(1, "STRUCTURED_REPLY")).isEqualTo(new FaultAction.RefuseOption("STRUCTURED_REPLY"));
        assertThat(f.onOption(1, "GO")).isEqualTo(new FaultAction.DropAtOption("GO"));
        assertThat(f.onOption(2, "GO")).isNull();
        assertThat(f.hiddenFeatures()).containsExactlyInAnyOrder(Feature.MULTI_CONN, Feature.TRIM);
        assertThat(f.onRequest(1, READ, 0, 1).isServe()).isTrue();
    }
}
