package io.nbdtk.testkit;

import io.nbdtk.server.filter.FaultAction;
import io.nbdtk.server.filter.FaultRule;
import io.nbdtk.server.filter.FaultSpec;
import io.nbdtk.server.filter.Feature;
import io.nbdtk.server.filter.RequestKind;
import java.util.EnumSet;
import java.util.List;

/**
 * Entry point of the fault DSL. Each chain ends in a {@link FaultRule} that both the in-process
 * server ({@link NbdServerExtension}) and the container ({@link NbdServerContainer}) accept:
 *
 * <pre>{@code
 * nbd.faults().add(Faults.on(READ).nth(3).error("EIO"));
 * nbd.faults().add(Faults.on(WRITE).inRange(0, 4096).times(2).error("ENOSPC"));
 * nbd.faults().add(Faults.on(READ, WRITE).withProbability(0.1, 42).error("EIO"));
 * nbd.faults().add(Faults.on(FLUSH).stall("flush"));   // ... nbd.faults().release("flush");
 * nbd.faults().add(Faults.disconnectAfterRequests(5));
 * nbd.faults().add(Faults.hide(Feature.STRUCTURED_REPLIES));
 * }</pre>
 */
public final class Faults {
    private Faults() {}

    /** Faults on requests of these kinds (all kinds when none are given). */
    public static FaultBuilder on(RequestKind... kinds) {
        return new FaultBuilder(kinds.length == 0 ? EnumSet.noneOf(RequestKind.class) : EnumSet.of(kinds[0], kinds));
    }

    /** Faults on every request. */
    public static FaultBuilder onAnyRequest() {
        return on();
    }

    /** Closes the connection on the request after the first {@code n} (counted over all connections). */
    public static FaultRule disconnectAfterRequests(long n) {
        return on().after(n).times(1).disconnect();
    }

    /** Closes a connection on the first request that takes its READ/WRITE payload past {@code bytes}. */
    public static FaultRule disconnectAfterBytes(long bytes) {
        return on().afterBytes(bytes).disconnect();
    }

    /** Answers the option ({@code "STRUCTURED_REPLY"}, {@code "GO"}, ...) with an error reply. */
    public static FaultRule refuseOption(String option) {
        return FaultRule.always(new FaultAction.RefuseOption(option));
    }

    /** Drops the connection when the client sends the option. */
    public static FaultRule dropAtOption(String option) {
        return FaultRule.always(new FaultAction.DropAtOption(option));
    }

    /** Drops the connection at the option, only the first {@code times} times (to test retries). */
    public static FaultRule dropAtOption(String option, long times) {
        return dropAtOption(option).withTimes(times);
    }

    /** Negotiates as if the server lacked these features. */
    public static FaultRule hide(Feature first, Feature... more) {
        return FaultRule.always(new FaultAction.HideFeatures(EnumSet.of(first, more)));
    }

    /** Reads the text form ({@code "error=EIO,ops=read,nth=3; delay=10ms"}), as the CLI takes it. */
    public static List<FaultRule> parse(String spec) {
        return FaultSpec.parse(spec);
    }
}
