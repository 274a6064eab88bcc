package io.nbdtk.testkit;

import io.nbdtk.server.filter.FaultAction;
import io.nbdtk.server.filter.FaultRule;
import io.nbdtk.server.filter.RequestKind;
import java.time.Duration;
import java.util.Set;

/**
 * The trigger half of a fault: which requests and when. Immutable; every trigger method returns a
 * new builder, every action method ({@link #error}, {@link #delay}, ...) returns the finished rule.
 * Start one with {@link Faults#on}.
 */
public final class FaultBuilder {
    private final FaultRule template;

    FaultBuilder(Set<RequestKind> kinds) {
        this(FaultRule.always(new FaultAction.Disconnect()).withKinds(kinds));
    }

    private FaultBuilder(FaultRule template) {
        this.template = template;
    }

    /** Only requests overlapping {@code [from, to)}. */
    public FaultBuilder inRange(long from, long to) {
        return new FaultBuilder(template.withOffsets(from, to));
    }

    /** Only the {@code n}th matching request (1-based, counted over all connections). */
    public FaultBuilder nth(long n) {
        return new FaultBuilder(template.withNth(n));
    }

    /** At most {@code n} times ("the next n requests" when nothing else narrows it). */
    public FaultBuilder times(long n) {
        return new FaultBuilder(template.withTimes(n));
    }

    /** Only once, the same as {@code times(1)}. */
    public FaultBuilder once() {
        return times(1);
    }

    /** Let the first {@code n} matching requests pass. */
    public FaultBuilder after(long n) {
        return new FaultBuilder(template.withAfter(n));
    }

    /** Only once the connection has moved more than {@code bytes} of READ/WRITE payload. */
    public FaultBuilder afterBytes(long bytes) {
        return new FaultBuilder(template.withAfterBytes(bytes));
    }

    /** Fire with probability {@code p}, drawn from a generator seeded with {@code seed} (reproducible). */
    public FaultBuilder withProbability(double p, long seed) {
        return new FaultBuilder(template.withProbability(p, seed));
    }

    /** Fail with this NBD error: {@code EPERM, EIO, ENOMEM, EINVAL, ENOSPC, EOVERFLOW, ENOTSUP, ESHUTDOWN}. */
    public FaultRule error(String errno) {
        return with(new FaultAction.Error(errno));
    }

    /** Hold each request this long before serving it. */
    public FaultRule delay(Duration fixed) {
        return delay(fixed, Duration.ZERO);
    }

    /** Hold each request {@code fixed} plus a seeded random part up to {@code jitter}. */
    public FaultRule delay(Duration fixed, Duration jitter) {
        return with(new FaultAction.Delay(fixed, jitter));
    }

    /** Hold requests until {@code faults().release(gate)} (or until the faults are cleared). */
    public FaultRule stall(String gate) {
        return with(new FaultAction.Stall(gate));
    }

    /** Close the connection instead of serving the request. */
    public FaultRule disconnect() {
        return with(new FaultAction.Disconnect());
    }

    /** Serve the request, send half its reply, close the connection. */
    public FaultRule cutReply() {
        return with(new FaultAction.CutReply());
    }

    /** Answer with a reply whose magic is wrong. */
    public FaultRule badMagicReply() {
        return with(new FaultAction.MalformedReply(FaultAction.Malformation.BAD_MAGIC));
    }

    /** Answer with a reply that carries a cookie the client never sent. */
    public FaultRule unknownCookieReply() {
        return with(new FaultAction.MalformedReply(FaultAction.Malformation.UNKNOWN_COOKIE));
    }

    private FaultRule with(FaultAction action) {
        FaultRule t = template;
        return new FaultRule(t.kinds(), t.offsetFrom(), t.offsetTo(), t.afterBytes(), t.after(), t.nth(),
                t.times(), t.probability(), t.seed(), action);
    }
}
