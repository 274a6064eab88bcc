package io.nbdtk.lab.run;

import io.nbdtk.lab.sys.Mount;
import io.nbdtk.lab.sys.MountTable;
import io.nbdtk.lab.sys.ProcFs;
import io.nbdtk.lab.sys.ProcessStat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Undoes what a journal recorded, in a fixed order that is known to break the deadlock: lift the
 * memory limits, abort the FUSE connection (only after checking that the mount at our mount point
 * still carries that connection: ids get reused), SIGKILL our processes (only when their start
 * time still matches), lazily unmount, detach loop devices (only when still backed by our file),
 * wait for the processes to go, remove the cgroups and the scratch directory. Idempotent: running
 * it again after success finds nothing to do.
 */
public final class Recovery {
    /** One action taken (or found unnecessary), for the report. */
    public record Step(String action, boolean ok, String detail) {
        @Override
        public String toString() {
            return (ok ? "ok   " : "FAIL ") + action + (detail.isEmpty() ? "" : ": " + detail);
        }
    }

    private static final Duration WAIT_STEP = Duration.ofMillis(250);
    private static final int WAIT_ROUNDS = 40; // 10 s for processes, 10 s for cgroups

    private final Path root;
    private final HostActions host;
    private final ProcFs proc;
    private final List<Step> steps = new ArrayList<>();
    private final Set<String> detached = new HashSet<>();

    public Recovery(Path root, HostActions host) {
        this.root = root;
        this.host = host;
        this.proc = new ProcFs(root);
    }

    public List<Step> steps() {
        return steps;
    }

    /** True when every step succeeded and nothing recorded is left. */
    public boolean clean() {
        return steps.stream().allMatch(Step::ok);
    }

    public List<Step> recover(List<Journal.Entry> entries) throws InterruptedException {
        Optional<MemoryCgroups> cgroups = MemoryCgroups.detect(root);
        List<Path> groups = paths(entries, Journal.CGROUP);
        for (Path cg : groups) {
            if (Files.isDirectory(cg) && cgroups.isPresent()) {
                attempt("lift memory limit of " + cg, () -> cgroups.get().lift(cg));
            }
        }
        for (Journal.Entry e : of(entries, Journal.FUSE)) {
            abortFuse(Integer.parseInt(e.field(0)), e.field(1));
        }
        Set<Integer> killed = new HashSet<>();
        for (Journal.Entry e : of(entries, Journal.PROCESS)) {
            int pid = Integer.parseInt(e.field(0));
            if (sameProcess(pid, Long.parseLong(e.field(1))) && host.kill(pid)) {
                killed.add(pid);
                steps.add(new Step("kill -9 " + e.field(2) + " pid " + pid, true, ""));
            }
        }
        for (Path cg : groups.stream().flatMap(g -> cgroupTree(g).stream()).toList()) {
            if (cgroups.isPresent() && Files.isDirectory(cg)) {
                for (int pid : cgroups.get().procs(cg)) {
                    // only the lab puts processes into its cgroups
                    if (!killed.contains(pid) && host.kill(pid)) {
                        steps.add(new Step("kill -9 pid " + pid + " left in " + cg.getFileName(), true, ""));
                    }
                }
            }
        }
        List<Journal.Entry> mounts = new ArrayList<>(of(entries, Journal.MOUNT));
        Collections.reverse(mounts);
        for (Journal.Entry e : mounts) {
            // FUSE mounts go last: a loop device's backing file must stay reachable until detached
            if (mounts().atMountPoint(e.field(0)).map(m -> !m.isFuse()).orElse(false)) {
                unmountIfMounted(e.field(0));
            }
        }
        for (Journal.Entry e : of(entries, Journal.LOOP)) {
            detachIfOurs(e.field(0), e.field(1));
        }
        for (Journal.Entry w : of(entries, Journal.WORKDIR)) {
            detachLoopsUnder(w.field(0)); // a crash between losetup and its journal line
        }
        for (Journal.Entry e : of(entries, Journal.FUSE)) {
            unmountIfMounted(e.field(1));
        }
        for (Journal.Entry e : mounts) {
            unmountIfMounted(e.field(0)); // a FUSE mount recorded before its connection id was known
        }
        waitForProcesses(of(entries, Journal.PROCESS));
        for (Path cg : groups) {
            for (Path member : cgroupTree(cg)) {
                removeCgroup(cgroups, member); // children first: a daemon may have made its own group inside ours
            }
        }
        for (Path dir : paths(entries, Journal.WORKDIR)) {
            removeWorkdir(dir);
        }
        return steps;
    }

    private void abortFuse(int connection, String mountPoint) {
        Optional<Mount> m = mounts().atMountPoint(mountPoint);
        if (m.isEmpty() || !m.get().isFuse() || m.get().minor() != connection) {
            return; // not mounted any more, or the id now belongs to someone else's mount
        }
        Path connections = root.resolve("sys/fs/fuse/connections");
        Path abort = connections.resolve(connection + "/abort");
        if (!Files.exists(abort)) {
            Exec.Result r = host.mountFusectl();
            steps.add(new Step("mount fusectl on /sys/fs/fuse/connections", r.ok() || Files.exists(abort), r.output()));
        }
        attempt("abort FUSE connection " + connection + " of " + mountPoint,
                () -> Files.writeString(abort, "1"));
    }

    private void unmountIfMounted(String mountPoint) {
        if (mounts().atMountPoint(mountPoint).isPresent()) {
            Exec.Result r = host.unmountLazy(mountPoint);
            steps.add(new Step("umount -l " + mountPoint, r.ok(), r.output()));
        }
    }

    private void detachIfOurs(String device, String backingFile) {
        String name = device.substring(device.lastIndexOf('/') + 1);
        Optional<String> backing = text(root.resolve("sys/class/block/" + name + "/loop/backing_file"));
        if (backing.isPresent() && backing.get().replace(" (deleted)", "").equals(backingFile) && detached.add(device)) {
            Exec.Result r = host.detachLoop(device);
            steps.add(new Step("losetup -d " + device, r.ok(), r.output()));
        }
    }

    private void detachLoopsUnder(String workdir) {
        Path classBlock = root.resolve("sys/class/block");
        try (Stream<Path> devices = Files.list(classBlock)) {
            for (Path dev : devices.filter(d -> d.getFileName().toString().startsWith("loop")).toList()) {
                Optional<String> backing = text(dev.resolve("loop/backing_file"));
                if (backing.isPresent() && backing.get().startsWith(workdir + "/")) {
                    detachIfOurs("/dev/" + dev.getFileName(), backing.get().replace(" (deleted)", ""));
                }
            }
        } catch (IOException e) {
            // no block class directory: nothing to detach
        }
    }

    private void waitForProcesses(List<Journal.Entry> processes) throws InterruptedException {
        for (int round = 0; round < WAIT_ROUNDS; round++) {
            if (processes.stream().noneMatch(e -> alive(e))) {
                return;
            }
            host.pause(WAIT_STEP);
        }
        for (Journal.Entry e : processes) {
            if (alive(e)) {
                int pid = Integer.parseInt(e.field(0));
                char state = proc.stat(pid).map(ProcessStat::state).orElse('?');
                steps.add(new Step("wait for " + e.field(2) + " pid " + pid + " to exit", false, "still alive, state " + state));
            }
        }
    }

    private boolean alive(Journal.Entry e) {
        int pid = Integer.parseInt(e.field(0));
        return sameProcess(pid, Long.parseLong(e.field(1)))
                && proc.stat(pid).map(s -> s.state() != 'Z' && s.state() != 'X').orElse(false);
    }

    /** The cgroup and every group below it, deepest first. */
    private static List<Path> cgroupTree(Path cg) {
        if (!Files.isDirectory(cg)) {
            return List.of(cg);
        }
        try (Stream<Path> walk = Files.walk(cg)) {
            return walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
        } catch (IOException e) {
            return List.of(cg);
        }
    }

    private void removeCgroup(Optional<MemoryCgroups> cgroups, Path cg) throws InterruptedException {
        if (!Files.exists(cg)) {
            return;
        }
        for (int round = 0; round < WAIT_ROUNDS; round++) {
            if (host.removeCgroup(cg)) {
                steps.add(new Step("rmdir " + cg, true, ""));
                return;
            }
            host.pause(WAIT_STEP);
        }
        String left = cgroups.map(c -> c.procs(cg).toString()).orElse("?");
        steps.add(new Step("rmdir " + cg, false, "still holds processes " + left));
    }

    /** Deletes the scratch directory, but never while anything is mounted below it. */
    private void removeWorkdir(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        String prefix = dir.toString() + "/";
        Optional<Mount> busy = mounts().mounts().stream().filter(m -> m.mountPoint().startsWith(prefix)).findFirst();
        if (busy.isPresent()) {
            steps.add(new Step("remove " + dir, false, busy.get().mountPoint() + " is still mounted"));
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
            steps.add(new Step("remove " + dir, true, ""));
        } catch (IOException e) {
            steps.add(new Step("remove " + dir, false, e.toString()));
        }
    }

    private boolean sameProcess(int pid, long startTime) {
        return proc.stat(pid).map(s -> s.startTime() == startTime).orElse(false);
    }

    private MountTable mounts() {
        try {
            return MountTable.read(root.resolve("proc/self/mountinfo"));
        } catch (IOException e) {
            return MountTable.parse(List.of());
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private void attempt(String action, IoAction a) {
        try {
            a.run();
            steps.add(new Step(action, true, ""));
        } catch (IOException e) {
            steps.add(new Step(action, false, e.toString()));
        }
    }

    private static List<Journal.Entry> of(List<Journal.Entry> entries, String kind) {
        return entries.stream().filter(e -> e.kind().equals(kind)).toList();
    }

    private List<Path> paths(List<Journal.Entry> entries, String kind) {
        return of(entries, kind).stream().map(e -> root.resolve(e.field(0).substring(1))).toList();
    }

    private static Optional<String> text(Path p) {
        try {
            return Optional.of(new String(Files.readAllBytes(p), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
