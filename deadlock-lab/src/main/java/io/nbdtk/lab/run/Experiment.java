package io.nbdtk.lab.run;

import io.nbdtk.lab.sys.Mount;
import io.nbdtk.lab.sys.MountTable;
import io.nbdtk.lab.sys.ProcFs;
import io.nbdtk.lab.sys.ProcessStat;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Runs one bounded experiment: builds the stack (server, FUSE daemon, optionally loop + ext4),
 * starts a buffered writer in a small memory cgroup, watches the evidence, decides a verdict and
 * always recovers: at the end of the run, from a shutdown hook (SIGTERM, SIGINT) and from a
 * watchdog thread should the lab itself get stuck. Everything created is journaled first so that
 * {@code deadlock-lab cleanup} can recover after a SIGKILL.
 */
public final class Experiment {
    private static final long TICK_MS = 500;
    private static final long PROBE_HUNG_MS = 5000;
    private static final Duration SETUP_WAIT = Duration.ofSeconds(30); // two JVMs on a loaded 2-CPU box
    private static final Duration RELEASE_WATCH = Duration.ofSeconds(3);

    private final RunSpec spec;
    private final Path root;
    private final HostActions host;
    private final ProcFs proc;
    private final List<String> notes = new ArrayList<>();
    private final Set<Integer> watched = Collections.synchronizedSet(new LinkedHashSet<>());
    private Journal journal;
    private Path work;
    private MemoryCgroups cgroups;
    private final List<Path> ourCgroups = new ArrayList<>();
    private List<Recovery.Step> recoverySteps = List.of();
    private boolean recovered;
    private boolean cleanedUp;

    public Experiment(RunSpec spec, Path root, HostActions host) {
        this.spec = spec;
        this.root = root;
        this.host = host;
        this.proc = new ProcFs(root);
    }

    public RunResult run() {
        List<String> problems = Preflight.problems(spec, root);
        if (!problems.isEmpty()) {
            return notRun(String.join("; ", problems));
        }
        cgroups = MemoryCgroups.detect(root).orElseThrow();
        try {
            for (Cleanup.Outcome o : new Cleanup(root, host).recoverAbandoned(spec.stateDir())) {
                notes.add("recovered an abandoned run first: " + o.journal() + (o.clean() ? "" : " (not clean)"));
            }
        } catch (IOException e) {
            notes.add("could not read old journals: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return notRun("interrupted");
        }
        String id = "run-" + System.currentTimeMillis() + "-" + ProcessHandle.current().pid();
        work = spec.workBase().resolve(id);
        Thread hook = new Thread(this::recoverOnce, "deadlock-lab-shutdown-recovery");
        Runtime.getRuntime().addShutdownHook(hook);
        Thread watchdog = watchdog();
        long t0 = System.nanoTime();
        Observation obs = null;
        String setupError = null;
        try {
            journal = Journal.create(spec.stateDir().resolve(id + ".journal"));
            journal.record(Journal.OWNER, ProcessHandle.current().pid(), startTime((int) ProcessHandle.current().pid()));
            obs = setUpAndObserve();
        } catch (IOException | RuntimeException e) {
            setupError = e.getMessage() == null ? e.toString() : e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            setupError = "interrupted";
        } finally {
            recoverOnce();
            watchdog.interrupt();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: recovery is done either way
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (obs == null) {
            return new RunResult(id, spec, Verdict.NOT_RUN, "setup failed: " + setupError, seconds, 0, 0, false, List.of(),
                    "", List.of(), recoverySteps, cleanedUp, notes);
        }
        return new RunResult(id, spec, obs.verdict, obs.reason, seconds, obs.written, obs.maxPause, obs.signature,
                obs.stacks, obs.releasedBy, obs.timeline, recoverySteps, cleanedUp, notes);
    }

    private RunResult notRun(String reason) {
        return new RunResult("", spec, Verdict.NOT_RUN, reason, 0, 0, 0, false, List.of(), "", List.of(), List.of(), true,
                notes);
    }

    /** What the observation phase found. */
    private static final class Observation {
        Verdict verdict;
        String reason;
        long written;
        double maxPause;
        boolean signature;
        List<String> stacks = List.of();
        String releasedBy = "";
        final List<Sample> timeline = new ArrayList<>();
    }

    private Observation setUpAndObserve() throws IOException, InterruptedException {
        journal.record(Journal.WORKDIR, work);
        Path fuseDir = work.resolve("fuse");
        Path mnt = work.resolve("mnt");
        Files.createDirectories(fuseDir);
        Files.createDirectories(mnt);
        Path image = work.resolve("backing.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(spec.imageBytes()); // sparse
        }
        if (spec.scenario() == Scenario.LOOP_EXT4) {
            Exec.check(Duration.ofSeconds(60), "mkfs.ext4", "-q", "-F", image.toString());
        }
        Path writerCg = cgroups.create(work.getFileName() + "-writer", spec.memoryLimitBytes());
        journal.record(Journal.CGROUP, writerCg);
        ourCgroups.add(writerCg);
        Path daemonCg = writerCg;
        if (spec.mitigations().contains(Mitigation.SEPARATE_CGROUP)) {
            daemonCg = cgroups.create(work.getFileName() + "-daemons", spec.daemonMemoryBytes());
            journal.record(Journal.CGROUP, daemonCg);
            ourCgroups.add(daemonCg);
        }
        notes.addAll(spec.stack().notes(spec.mitigations()));
        notes.add("memory cgroup v" + cgroups.version() + ": writer " + writerCg + (daemonCg.equals(writerCg)
                ? " (shared with server and FUSE daemon)" : ", server and FUSE daemon " + daemonCg));

        Path socket = work.resolve("nbd.sock");
        Process server = launch(daemonCg, "server", spec.stack().serverCommand(image, socket, spec.mitigations()));
        await("server socket " + socket, () -> Files.exists(socket), server, "server", daemonCg);
        journal.record(Journal.MOUNT, fuseDir); // intent: recovery unmounts it if a crash comes first
        Path pidFile = work.resolve("fuse.pid");
        Process fuse = launch(daemonCg, "fuse-daemon",
                spec.stack().fuseCommand(fuseDir, socket, pidFile, cgroups.relativePath(daemonCg), spec.mitigations()));
        await("FUSE mount at " + fuseDir, () -> fuseMount(fuseDir).isPresent(), fuse, "fuse-daemon", daemonCg);
        Mount fuseMount = fuseMount(fuseDir).orElseThrow();
        journal.record(Journal.FUSE, fuseMount.minor(), fuseDir);
        Path fuseFile = fuseDir.resolve("disk");

        List<String> writer;
        if (spec.scenario() == Scenario.LOOP_EXT4) {
            List<String> losetup = new ArrayList<>(List.of("losetup", "-f", "--show"));
            if (spec.mitigations().contains(Mitigation.LOOP_DIRECT_IO)) {
                losetup.add("--direct-io=on");
            }
            losetup.add(fuseFile.toString());
            String device = Exec.check(Duration.ofSeconds(20), losetup.toArray(String[]::new)).trim();
            journal.record(Journal.LOOP, device, fuseFile);
            journal.record(Journal.MOUNT, mnt);
            Exec.check(Duration.ofSeconds(30), "mount", "-t", "ext4", device, mnt.toString());
            writer = List.of("dd", "if=/dev/zero", "of=" + mnt.resolve("f"), "bs=1M",
                    "count=" + (spec.writeBytes() >> 20), "conv=fsync", "status=none");
        } else {
            writer = List.of("dd", "if=/dev/zero", "of=" + fuseFile, "bs=1M", "count=" + (spec.writeBytes() >> 20),
                    "conv=fsync,notrunc", "status=none");
        }
        Process dd = launch(writerCg, "writer", writer);
        return observe(dd, fuseFile, writerCg);
    }

    private Observation observe(Process writer, Path fuseFile, Path writerCg) throws InterruptedException {
        Observation o = new Observation();
        Sampler sampler = new Sampler(root, cgroups, writerCg);
        Probe probe = new Probe(fuseFile, spec.imageBytes(), (p, role) -> record(p, role));
        long t0 = System.nanoTime();
        long lastBytes = -2;
        long lastChangeMs = 0;
        long stallMs = spec.stallWindow().toMillis();
        long notableMs = Math.max(3000, stallMs / 2);
        while (true) {
            long now = (System.nanoTime() - t0) / 1_000_000;
            probe.tick(now);
            Sample s = sampler.sample(now / 1000.0, (int) writer.pid(), watchedPids(), probe.ageMs(now),
                    probe.lastLatencyMs());
            o.timeline.add(s);
            if (s.writerBytes() >= 0) {
                o.written = s.writerBytes();
            }
            if (!writer.isAlive()) {
                int status = writer.waitFor();
                if (status == 0) {
                    o.written = spec.writeBytes(); // its last wchar sample may predate the final writes
                }
                o.verdict = status != 0 ? Verdict.FAILED
                        : o.maxPause * 1000 >= notableMs ? Verdict.STALLED : Verdict.COMPLETED;
                o.reason = status != 0 ? "writer exited with status " + status
                        : "writer finished " + (spec.writeBytes() >> 20) + " MiB with fsync in "
                                + String.format("%.1f s", now / 1000.0)
                                + (o.verdict == Verdict.STALLED ? String.format(
                                        " after pausing up to %.1f s", o.maxPause) : "");
                return o;
            }
            if (s.writerBytes() != lastBytes) {
                lastBytes = s.writerBytes();
                lastChangeMs = now;
            }
            long pause = now - lastChangeMs;
            o.maxPause = Math.max(o.maxPause, pause / 1000.0);
            List<Sample.BlockedThread> ours = s.blocked().stream().filter(t -> watched.contains(t.pid())).toList();
            boolean evidence = !ours.isEmpty() || s.probeAgeMs() >= PROBE_HUNG_MS;
            if (pause >= stallMs && evidence) {
                captureDeadlock(o, s, sampler, writer, writerCg, t0);
                return o;
            }
            if (now >= spec.deadline().toMillis()) {
                o.verdict = Verdict.TIMEOUT;
                o.reason = String.format("deadline of %d s reached; writer at %d MiB, no progress for %.1f s%s",
                        spec.deadline().toSeconds(), o.written >> 20, pause / 1000.0,
                        evidence ? "" : ", no blocked threads");
                return o;
            }
            Thread.sleep(TICK_MS);
        }
    }

    /** Records the stacks and checks whether lifting the limit alone releases the writer. */
    private void captureDeadlock(Observation o, Sample s, Sampler sampler, Process writer, Path writerCg, long t0)
            throws InterruptedException {
        List<String> stacks = new ArrayList<>();
        boolean signature = false;
        for (Sample.BlockedThread t : s.blocked()) {
            String stack = sampler.kernelStack(t);
            stacks.add(t.comm() + " (pid " + t.pid() + ", tid " + t.tid() + ") in " + t.wchan() + "\n" + stack);
            boolean daemon = watched.contains(t.pid()) && t.pid() != writer.pid();
            if (daemon && stack.contains("folio_wait_writeback")
                    && (stack.contains("try_charge_memcg") || stack.contains("try_to_free_mem_cgroup_pages"))) {
                signature = true;
            }
        }
        o.stacks = stacks;
        o.signature = signature;
        long before = sampler.writerBytes((int) writer.pid());
        for (Path cg : ourCgroups) {
            try {
                cgroups.lift(cg);
            } catch (IOException e) {
                notes.add("could not lift the limit of " + cg + ": " + e.getMessage());
            }
        }
        long watchUntil = System.nanoTime() + RELEASE_WATCH.toNanos();
        boolean moved = false;
        while (System.nanoTime() < watchUntil && !moved) {
            Thread.sleep(TICK_MS);
            long now = (System.nanoTime() - t0) / 1_000_000;
            o.timeline.add(sampler.sample(now / 1000.0, (int) writer.pid(), watchedPids(), 0, -1));
            long after = sampler.writerBytes((int) writer.pid());
            moved = after != before;
        }
        o.releasedBy = moved ? "lifting the memory limit" : "aborting the FUSE connection";
        o.verdict = Verdict.DEADLOCKED;
        o.reason = String.format("writer stuck at %d MiB for %d s with %d blocked thread(s)%s; "
                + "lifting the memory limit %s", o.written >> 20, spec.stallWindow().toSeconds(), s.blocked().size(),
                signature ? ", daemon threads in memcg reclaim waiting on writeback" : "",
                moved ? "released it" : "did not release it within " + RELEASE_WATCH.toSeconds() + " s");
    }

    private List<Integer> watchedPids() {
        Set<Integer> all = new LinkedHashSet<>(watched);
        for (Path cg : ourCgroups) {
            all.addAll(cgroups.procs(cg));
        }
        return new ArrayList<>(all);
    }

    /** Starts {@code command} inside {@code cgroup}: the shell writes its PID there, then execs. */
    private Process launch(Path cgroup, String role, List<String> command) throws IOException {
        List<String> full = new ArrayList<>(List.of("sh", "-c", "echo $$ > \"$0\" && exec \"$@\"",
                cgroups.procsFile(cgroup).toString()));
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve(role + ".log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        record(p, role);
        if (!role.equals("writer")) {
            watched.add((int) p.pid());
        }
        return p;
    }

    private void record(Process p, String role) throws IOException {
        journal.record(Journal.PROCESS, p.pid(), startTime((int) p.pid()), role);
    }

    private long startTime(int pid) {
        return proc.stat(pid).map(ProcessStat::startTime).orElse(0L);
    }

    private Optional<Mount> fuseMount(Path dir) {
        try {
            return MountTable.read(root.resolve("proc/self/mountinfo")).atMountPoint(dir.toString())
                    .filter(Mount::isFuse);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private interface Condition {
        boolean holds();
    }

    private void await(String what, Condition c, Process owner, String role, Path cgroup)
            throws IOException, InterruptedException {
        long until = System.nanoTime() + SETUP_WAIT.toNanos();
        while (!c.holds()) {
            if (!owner.isAlive()) {
                // the scratch directory (and the log) goes away with recovery: keep the evidence here
                String log = proc.read(work.resolve(role + ".log")).orElse("").strip();
                long oomKills = cgroups.oomKills(cgroup);
                throw new IOException(what + " never appeared: " + role + " exited with status " + owner.exitValue()
                        + (oomKills > 0 ? ", killed by the memory cgroup's OOM killer (" + oomKills + " kill(s))" : "")
                        + (log.isEmpty() ? "" : "; its output: " + log.substring(Math.max(0, log.length() - 300))));
            }
            if (System.nanoTime() > until) {
                throw new IOException(what + " did not appear within " + SETUP_WAIT.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
    }

    /** A last line of defence: recovers even if the observing thread is stuck somewhere. */
    private Thread watchdog() {
        long limitMs = spec.deadline().toMillis() + Duration.ofSeconds(90).toMillis();
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(limitMs);
                notes.add("watchdog fired after " + limitMs / 1000 + " s");
                recoverOnce();
            } catch (InterruptedException done) {
                // the run ended normally
            }
        }, "deadlock-lab-watchdog");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Idempotent: runs the journal through {@link Recovery} once, whoever calls first. */
    private synchronized void recoverOnce() {
        if (recovered || journal == null) {
            return;
        }
        recovered = true;
        try {
            journal.close();
            Cleanup.Outcome out = new Cleanup(root, host).replay(journal.file(), Journal.read(journal.file()));
            recoverySteps = out.steps();
            cleanedUp = out.clean();
        } catch (IOException e) {
            notes.add("recovery failed: " + e + "; run 'deadlock-lab cleanup'");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            notes.add("recovery interrupted; run 'deadlock-lab cleanup'");
        }
    }
}
