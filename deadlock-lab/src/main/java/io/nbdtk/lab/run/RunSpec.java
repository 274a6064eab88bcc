package io.nbdtk.lab.run;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * One experiment: scenario, stack, mitigations and the bounds. {@code deadline} bounds the
 * observation; {@code stallWindow} is how long the writer may make no progress, with threads in D
 * state or a hung probe, before the lab declares it stuck and intervenes.
 */
public record RunSpec(Scenario scenario, Stack stack, Set<Mitigation> mitigations, long memoryLimitBytes,
        long daemonMemoryBytes, long writeBytes, Duration deadline, Duration stallWindow, Path workBase, Path stateDir) {

    public static final Duration MAX_DEADLINE = Duration.ofMinutes(5);
    public static final long MIN_LIMIT = 32L << 20;

    public RunSpec {
        if (deadline.compareTo(MAX_DEADLINE) > 0 || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be between 1 s and " + MAX_DEADLINE.toSeconds() + " s");
        }
        if (memoryLimitBytes < MIN_LIMIT || daemonMemoryBytes < MIN_LIMIT) {
            throw new IllegalArgumentException("memory limits below " + (MIN_LIMIT >> 20) + " MiB make setup fail, not deadlock");
        }
        if (writeBytes < (1L << 20) || writeBytes > (8L << 30)) {
            throw new IllegalArgumentException("write size must be between 1 MiB and 8 GiB");
        }
        if (stallWindow.compareTo(deadline) >= 0) {
            throw new IllegalArgumentException("stall window must be shorter than the deadline");
        }
    }

    /** Size of the exported image: room for the writes plus filesystem overhead. */
    public long imageBytes() {
        return Math.max(1L << 30, writeBytes + (256L << 20));
    }

    public String describe() {
        return scenario.cliName() + " on " + stack.name() + ", mitigations " + Mitigation.describe(mitigations)
                + ", limit " + (memoryLimitBytes >> 20) + " MiB, write " + (writeBytes >> 20) + " MiB";
    }
}
