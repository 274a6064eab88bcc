package io.nbdtk.lab.run;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import picocli.CommandLine.Option;

/** Options shared by {@code run} and {@code matrix}. */
public final class RunOptions {
    @Option(names = "--memory-limit", paramLabel = "MiB",
            description = "memory limit of the writer's cgroup (default: 128 MiB for nbdkit+nbdfuse, 256 MiB for nbdtk,"
                    + " whose two JVMs need about 130 MiB)")
    Long memoryLimitMiB;

    @Option(names = "--daemon-memory", defaultValue = "1024", paramLabel = "MiB",
            description = "limit of the daemons' own cgroup with separate-cgroup (default: ${DEFAULT-VALUE} MiB)")
    long daemonMemoryMiB;

    @Option(names = "--write", defaultValue = "600", paramLabel = "MiB",
            description = "how much the writer writes (default: ${DEFAULT-VALUE} MiB)")
    long writeMiB;

    @Option(names = "--deadline", defaultValue = "60", paramLabel = "SECONDS",
            description = "hard bound on the observation (default: ${DEFAULT-VALUE} s, at most 300)")
    long deadlineSeconds;

    @Option(names = "--stall-window", defaultValue = "8", paramLabel = "SECONDS",
            description = "no progress with blocked threads for this long means stuck (default: ${DEFAULT-VALUE} s)")
    long stallSeconds;

    @Option(names = "--workdir", defaultValue = "/var/tmp/nbdtk-deadlock-lab", paramLabel = "DIR",
            description = "scratch space for images and mount points (default: ${DEFAULT-VALUE})")
    Path workBase;

    @Option(names = "--state-dir", defaultValue = "/run/nbdtk-deadlock-lab", paramLabel = "DIR",
            description = "where run journals live for 'cleanup' (default: ${DEFAULT-VALUE})")
    Path stateDir;

    public RunSpec spec(Scenario scenario, Stack stack, Set<Mitigation> mitigations) {
        long limit = memoryLimitMiB != null ? memoryLimitMiB : stack.defaultMemoryLimitMiB();
        return new RunSpec(scenario, stack, mitigations, limit << 20, daemonMemoryMiB << 20, writeMiB << 20,
                Duration.ofSeconds(deadlineSeconds), Duration.ofSeconds(stallSeconds), workBase,
                stateDir);
    }
}
