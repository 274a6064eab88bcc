package io.nbdtk.server.filter;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * One fault: which requests it watches, when among those it fires, and what it then does.
 * Plain immutable data; the counting happens in {@link FaultInjector}.
 *
 * <p>A request <em>matches</em> when its kind is in {@code kinds} (empty: every kind except DISC),
 * its byte range overlaps {@code [offsetFrom, offsetTo)}, and its connection has moved more than
 * {@code afterBytes} bytes including this request. Among matching requests (counted 1, 2, 3, ...
 * across all connections) the rule fires on those past the first {@code after}; only on number
 * {@code nth} when {@code nth > 0}; with {@code probability} drawn from a generator seeded with
 * {@code seed}; and at most {@code times} times. Option faults count matching options instead;
 * hide rules ignore triggers and apply while they are in force.
 *
 * @param kinds       request kinds watched; empty means all
 * @param offsetFrom  first byte of the watched range
 * @param offsetTo    end (exclusive) of the watched range
 * @param afterBytes  watch only once the connection has moved more than this many bytes
 * @param after       let this many matching requests pass first
 * @param nth         fire only on the nth matching request (1-based); 0 means any
 * @param times       fire at most this many times
 * @param probability chance of firing for a request that qualifies, in [0, 1]
 * @param seed        seed of the generator behind {@code probability} and delay jitter
 * @param action      what happens when the rule fires
 */
public record FaultRule(Set<RequestKind> kinds, long offsetFrom, long offsetTo, long afterBytes,
        long after, long nth, long times, double probability, long seed, FaultAction action) {

    public static final long UNLIMITED = Long.MAX_VALUE;
    public static final long DEFAULT_SEED = 1;

    public FaultRule {
        Objects.requireNonNull(action, "action");
        kinds = kinds.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(kinds));
        if (kinds.contains(RequestKind.DISC)) {
            throw new IllegalArgumentException("DISC cannot carry a fault");
        }
        if (offsetFrom < 0 || offsetTo <= offsetFrom) {
            throw new IllegalArgumentException("offset range [" + offsetFrom + ", " + offsetTo + ") is empty");
        }
        if (afterBytes < 0 || after < 0 || nth < 0 || times < 1) {
            throw new IllegalArgumentException("after-bytes, after and nth cannot be negative; times must be >= 1");
        }
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability " + probability + " is not in [0, 1]");
        }
        if (action.handshake() && !kinds.isEmpty()) {
            throw new IllegalArgumentException("handshake faults do not watch request kinds");
        }
    }

    /** A rule that fires on every request of the given kinds (all kinds when none given). */
    public static FaultRule always(FaultAction action, RequestKind... kinds) {
        Set<RequestKind> set = kinds.length == 0 ? Set.of() : EnumSet.of(kinds[0], kinds);
        return new FaultRule(set, 0, Long.MAX_VALUE, 0, 0, 0, UNLIMITED, 1.0, DEFAULT_SEED, action);
    }

    public boolean watches(RequestKind kind) {
        return kind != RequestKind.DISC && (kinds.isEmpty() || kinds.contains(kind));
    }

    /** Whether a request on {@code [offset, offset + length)} overlaps the watched range. */
    public boolean overlaps(long offset, long length) {
        if (offsetFrom == 0 && offsetTo == Long.MAX_VALUE) {
            return true;
        }
        long end = length == 0 ? offset + 1 : offset + length;
        return offset < offsetTo && end > offsetFrom;
    }

    public FaultRule withKinds(Set<RequestKind> k) {
        return new FaultRule(k, offsetFrom, offsetTo, afterBytes, after, nth, times, probability, seed, action);
    }

    public FaultRule withOffsets(long from, long to) {
        return new FaultRule(kinds, from, to, afterBytes, after, nth, times, probability, seed, action);
    }

    public FaultRule withAfterBytes(long bytes) {
        return new FaultRule(kinds, offsetFrom, offsetTo, bytes, after, nth, times, probability, seed, action);
    }

    public FaultRule withAfter(long n) {
        return new FaultRule(kinds, offsetFrom, offsetTo, afterBytes, n, nth, times, probability, seed, action);
    }

    public FaultRule withNth(long n) {
        return new FaultRule(kinds, offsetFrom, offsetTo, afterBytes, after, n, times, probability, seed, action);
    }

    public FaultRule withTimes(long n) {
        return new FaultRule(kinds, offsetFrom, offsetTo, afterBytes, after, nth, n, probability, seed, action);
    }

    public FaultRule withProbability(double p, long s) {
        return new FaultRule(kinds, offsetFrom, offsetTo, afterBytes, after, nth, times, p, s, action);
    }

    /** This rule in the text form {@link FaultSpec#parse} reads. */
    public String toSpec() {
        return FaultSpec.format(this);
    }
}
