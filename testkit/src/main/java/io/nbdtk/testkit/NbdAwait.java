package io.nbdtk.testkit;

import static org.awaitility.Awaitility.await;

import io.nbdtk.server.filter.RecordedRequest;
import io.nbdtk.server.filter.RequestKind;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * Awaitility helpers for conditions on a server that another thread (the client under test) is
 * driving. Each waits at most {@link #DEFAULT_TIMEOUT} unless told otherwise.
 */
public final class NbdAwait {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private NbdAwait() {}

    /** Waits until {@code n} requests wait at {@code gate} (a stalled client is really stalled). */
    public static void untilStalled(FaultControl faults, String gate, int n) {
        await("%d request(s) stalled at gate '%s'".formatted(n, gate)).atMost(DEFAULT_TIMEOUT)
                .pollInterval(Duration.ofMillis(20)).until(() -> faults.stalled(gate) >= n);
    }

    /** Waits until the recorded traffic satisfies {@code condition}; returns that snapshot. */
    public static List<RecordedRequest> until(Traffic traffic, String what, Predicate<List<RecordedRequest>> condition) {
        return until(traffic, what, condition, DEFAULT_TIMEOUT);
    }

    public static List<RecordedRequest> until(Traffic traffic, String what, Predicate<List<RecordedRequest>> condition,
            Duration timeout) {
        return await(what).atMost(timeout).pollInterval(Duration.ofMillis(20))
                .until(traffic::requests, condition);
    }

    /** Waits until at least {@code n} requests of {@code kind} got their reply. */
    public static List<RecordedRequest> untilCompleted(Traffic traffic, RequestKind kind, int n) {
        return until(traffic, "%d completed %s request(s)".formatted(n, kind),
                rs -> rs.stream().filter(r -> r.command() == kind && r.completed()).count() >= n);
    }
}
