package io.nbdtk.lab.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nbdtk.lab.sys.MountTable;
import io.nbdtk.lab.sys.ProcFs;
import io.nbdtk.lab.watch.Watchdog;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real reproduction on this machine, bounded: nbdkit + nbdfuse + loop + ext4 with a 128 MiB
 * memory cgroup. Without mitigation the writer deadlocks (daemon threads in memcg reclaim waiting
 * on writeback) and only the FUSE abort releases it; with the daemons in their own cgroup the same
 * write completes. Each run must leave nothing behind, including after a SIGKILL of the lab.
 */
class ExperimentIntegrationTest {
    static final Path BASE = Path.of("/var/tmp/nbdtk-deadlock-lab-test-" + ProcessHandle.current().pid());
    static final Path WORK = BASE.resolve("work");
    static final Path STATE = BASE.resolve("state");

    @BeforeAll
    static void prerequisites() {
        LabHost.requireLab();
    }

    @AfterAll
    static void recoverWhateverATestLeft() throws Exception {
        // the runs of this JVM are ours even though their owner (this JVM) is alive
        for (Path state : List.of(STATE.resolve("killed"), STATE.resolve("terminated"), STATE)) {
            if (Files.isDirectory(state)) {
                new Cleanup(LabHost.ROOT, HostActions.REAL).recover(state, true);
            }
        }
        for (Path p : List.of(STATE.resolve("killed"), STATE.resolve("terminated"), STATE, WORK, BASE)) {
            if (Files.isDirectory(p)) {
                try (var s = Files.list(p)) {
                    if (s.findAny().isEmpty()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }

    /**
     * A deadlock stays: 6 s without progress is plenty. A mitigated run on a busy shared machine
     * may pause for several seconds (5.6 s seen under a parallel build), so it gets a window that
     * such a pause cannot reach, and a deadline that a slow machine cannot reach either.
     */
    static RunSpec spec(String stackName, Set<Mitigation> mitigations) {
        Stack stack = StackNames.byName(stackName);
        if (stack instanceof NbdtkStack) {
            LabHost.requireNbdtkJars(stack);
        }
        return new RunSpec(Scenario.LOOP_EXT4, stack, mitigations, stack.defaultMemoryLimitMiB() << 20, 1024L << 20,
                400L << 20, Duration.ofSeconds(mitigations.isEmpty() ? 45 : 90),
                Duration.ofSeconds(mitigations.isEmpty() ? 6 : 20), WORK, STATE);
    }

    @ParameterizedTest
    @ValueSource(strings = {PeerStack.NAME, NbdtkStack.NAME})
    void withoutMitigationTheWriterDeadlocksAndOnlyTheAbortReleasesIt(String stack) throws Exception {
        RunResult r = new Experiment(spec(stack, EnumSet.noneOf(Mitigation.class)), LabHost.ROOT, HostActions.REAL).run();

        assertThat(r.verdict()).as(RunReport.text(r)).isEqualTo(Verdict.DEADLOCKED);
        assertThat(r.reclaimSignature()).as(RunReport.text(r)).isTrue();
        assertThat(r.releasedBy()).isEqualTo("aborting the FUSE connection");
        assertThat(r.writtenBytes()).isLessThan(400L << 20);
        assertThat(r.notes()).as("the daemons shared the writer's cgroup").anyMatch(n -> n.contains("shared with"));
        assertThat(r.recovery()).extracting(Recovery.Step::action).anyMatch(a -> a.startsWith("abort FUSE connection"));
        assertThat(r.cleanedUp()).as(RunReport.text(r)).isTrue();
        LabHost.assertNothingLeftUnder(WORK.resolve(r.runId()));
        LabHost.assertNoCgroupsOf(r.runId());
        assertThat(STATE.resolve(r.runId() + ".journal")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {PeerStack.NAME, NbdtkStack.NAME})
    void daemonsInTheirOwnCgroupLetTheSameWriteComplete(String stack) throws Exception {
        RunResult r = new Experiment(spec(stack, EnumSet.of(Mitigation.SEPARATE_CGROUP)), LabHost.ROOT, HostActions.REAL)
                .run();

        assertThat(r.verdict()).as(RunReport.text(r)).isIn(Verdict.COMPLETED, Verdict.STALLED);
        assertThat(r.writtenBytes()).isEqualTo(400L << 20);
        assertThat(r.cleanedUp()).as(RunReport.text(r)).isTrue();
        LabHost.assertNothingLeftUnder(WORK.resolve(r.runId()));
        LabHost.assertNoCgroupsOf(r.runId());
    }

    @Test
    void cleanupRecoversADeadlockedRunWhoseLabWasKilled() throws Exception {
        Path state = STATE.resolve("killed");
        Process lab = startLab(state);
        try {
            // the writer is journaled, then stuck in D state: the deadlock is in place
            ProcFs proc = new ProcFs(LabHost.ROOT);
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).during(Duration.ofSeconds(2))
                    .until(() -> writerPid(state).flatMap(proc::stat).map(s -> s.state() == 'D').orElse(false));
            // 'watch' on the stuck FUSE daemon alerts, and sees the reclaim wait
            int daemon = pidOf(state, "fuse-daemon").orElseThrow();
            Watchdog dog = new Watchdog(LabHost.ROOT, daemon, 2);
            long t0 = System.nanoTime();
            Optional<Watchdog.Alert> alert = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> dog.update(dog.observe((System.nanoTime() - t0) / 1e9)), Optional::isPresent);
            assertThat(alert.get().reclaimWait()).as(alert.get().text(daemon)).isTrue();
        } finally {
            lab.destroyForcibly(); // SIGKILL: no shutdown hook, no finally in the lab
            lab.waitFor(10, TimeUnit.SECONDS);
        }
        Path journal = journalIn(state).orElseThrow();
        String runId = journal.getFileName().toString().replace(".journal", "");
        assertThat(MountTable.read(LabHost.ROOT.resolve("proc/self/mountinfo")).mounts())
                .as("the killed lab left its mounts").anyMatch(m -> m.mountPoint().startsWith(WORK + "/" + runId));

        List<Cleanup.Outcome> outcomes = new Cleanup(LabHost.ROOT, HostActions.REAL).recoverAbandoned(state);

        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.get(0).clean()).as(outcomes.get(0).steps().toString()).isTrue();
        LabHost.assertNothingLeftUnder(WORK.resolve(runId));
        LabHost.assertNoCgroupsOf(runId);
        assertThat(journal).doesNotExist();
        Files.deleteIfExists(state);
    }

    @Test
    void sigtermDuringADeadlockRecoversFromTheShutdownHook() throws Exception {
        Path state = STATE.resolve("terminated");
        Process lab = startLab(state);
        ProcFs proc = new ProcFs(LabHost.ROOT);
        String runId;
        try {
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).during(Duration.ofSeconds(2))
                    .until(() -> writerPid(state).flatMap(proc::stat).map(s -> s.state() == 'D').orElse(false));
            runId = journalIn(state).orElseThrow().getFileName().toString().replace(".journal", "");
            lab.destroy(); // SIGTERM: the JVM runs its shutdown hooks
            assertThat(lab.waitFor(60, TimeUnit.SECONDS)).as("the lab exits after recovering").isTrue();
        } finally {
            lab.destroyForcibly();
        }

        LabHost.assertNothingLeftUnder(WORK.resolve(runId));
        LabHost.assertNoCgroupsOf(runId);
        assertThat(journalIn(state)).as("a clean recovery removes the journal").isEmpty();
        Files.deleteIfExists(state);
    }

    /** A lab JVM running a loop-ext4 experiment that stays deadlocked until it is stopped. */
    static Process startLab(Path state) throws Exception {
        String cp = System.getProperty("java.class.path");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "-cp", cp, "io.nbdtk.lab.LabCommand", "run", "loop-ext4",
                "--write", "400", "--deadline", "90", "--stall-window", "80", "--workdir", WORK.toString(),
                "--state-dir", state.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    static Optional<Path> journalIn(Path state) throws Exception {
        if (!Files.isDirectory(state)) {
            return Optional.empty();
        }
        try (var s = Files.list(state)) {
            return s.filter(p -> p.toString().endsWith(".journal")).findFirst();
        }
    }

    static Optional<Integer> writerPid(Path state) {
        return pidOf(state, "writer");
    }

    static Optional<Integer> pidOf(Path state, String role) {
        try {
            Optional<Path> j = journalIn(state);
            if (j.isEmpty()) {
                return Optional.empty();
            }
            return Journal.read(j.get()).stream()
                    .filter(e -> e.kind().equals(Journal.PROCESS) && e.field(2).equals(role))
                    .map(e -> Integer.parseInt(e.field(0))).findFirst();
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
