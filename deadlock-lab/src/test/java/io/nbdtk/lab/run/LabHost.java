package io.nbdtk.lab.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.lab.sys.MountTable;
import io.nbdtk.lab.sys.ProcFs;
import io.nbdtk.testing.Prerequisites;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Prerequisites and leftover checks shared by the tests that touch the real machine. */
public final class LabHost {
    public static final Path ROOT = Path.of("/");

    private LabHost() {}

    /** Root, /dev/fuse, a memory cgroup controller and the peer tools (CI=true: all required). */
    public static void requireLab() {
        Prerequisites.require(Prerequisites.isRoot(), "root (memory cgroups, loop devices, mounts)");
        Prerequisites.require(Files.exists(Path.of("/dev/fuse")), "/dev/fuse (modprobe fuse)");
        Prerequisites.require(MemoryCgroups.detect(ROOT).isPresent(),
                "a memory cgroup controller (v1 /sys/fs/cgroup/memory or v2 with memory delegated)");
        Prerequisites.tool("nbdkit", "nbdkit");
        Prerequisites.tool("nbdfuse", "libnbd-bin");
        Prerequisites.tool("losetup", "util-linux");
        Prerequisites.tool("mkfs.ext4", "e2fsprogs");
    }

    /** The nbdtk stack runs nbd-server and nbd-fuse from their jars, built by the reactor's package phase. */
    static void requireNbdtkJars(Stack nbdtk) {
        java.util.Optional<String> missing = nbdtk.unsupported(java.util.Set.of());
        Prerequisites.require(missing.isEmpty(), missing.orElse(""));
    }

    /** Asserts that nothing of {@code workdir} survives: mounts, loop devices, processes, files. */
    public static void assertNothingLeftUnder(Path workdir) throws IOException {
        String prefix = workdir.toString() + "/";
        assertThat(MountTable.read(ROOT.resolve("proc/self/mountinfo")).mounts())
                .noneMatch(m -> m.mountPoint().startsWith(prefix));
        assertThat(loopsBackedUnder(prefix)).isEmpty();
        ProcFs proc = new ProcFs(ROOT);
        List<String> survivors = new ArrayList<>();
        for (int pid : proc.pids()) {
            if (pid != ProcessHandle.current().pid() && String.join(" ", proc.cmdline(pid)).contains(prefix)
                    && proc.stat(pid).map(s -> s.state() != 'Z').orElse(false)) {
                survivors.add(pid + " " + proc.cmdline(pid));
            }
        }
        assertThat(survivors).isEmpty();
        assertThat(workdir).doesNotExist();
    }

    static void assertNoCgroupsOf(String runId) {
        Path base = MemoryCgroups.detect(ROOT).orElseThrow().base();
        assertThat(base.resolve(runId + "-writer")).doesNotExist();
        assertThat(base.resolve(runId + "-daemons")).doesNotExist();
    }

    static List<String> loopsBackedUnder(String prefix) throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/sys/class/block"), "loop*")) {
            for (Path dev : ds) {
                Path backing = dev.resolve("loop/backing_file");
                if (Files.exists(backing) && Files.readString(backing).startsWith(prefix)) {
                    out.add(dev.getFileName().toString());
                }
            }
        }
        return out;
    }
}
