package io.nbdtk.lab.run;

import io.nbdtk.lab.sys.ProcFs;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Everything a run needs, checked before anything is created; each gap named with its fix. */
final class Preflight {
    static final List<String> TOOLS = List.of("sh", "dd", "mount", "umount", "losetup", "mkfs.ext4");
    private static final int CAP_SYS_RESOURCE = 24;

    private Preflight() {}

    static List<String> problems(RunSpec spec, Path root) {
        List<String> out = new ArrayList<>();
        Map<String, String> status = new ProcFs(root).status((int) ProcessHandle.current().pid());
        if (!status.getOrDefault("Uid", "").startsWith("0")) {
            out.add("must run as root (memory cgroups, loop devices, mounts)");
        }
        if (!Files.exists(root.resolve("dev/fuse"))) {
            out.add("/dev/fuse is missing (modprobe fuse)");
        }
        if (MemoryCgroups.detect(root).isEmpty()) {
            out.add("no memory cgroup controller (v1 /sys/fs/cgroup/memory or v2 with 'memory' in cgroup.controllers)");
        }
        List<String> tools = new ArrayList<>(TOOLS);
        tools.addAll(spec.stack().serverCommand(Path.of("x"), Path.of("x"), spec.mitigations()).subList(0, 1));
        tools.addAll(spec.stack().fuseCommand(Path.of("x"), Path.of("x"), Path.of("x"), "/", spec.mitigations()).subList(0, 1));
        for (String tool : tools) {
            if (!onPath(tool)) {
                out.add("'" + tool + "' is not on PATH (run ci/setup)");
            }
        }
        spec.stack().unsupported(spec.mitigations()).ifPresent(out::add);
        if (spec.mitigations().contains(Mitigation.LOOP_DIRECT_IO) && spec.scenario() != Scenario.LOOP_EXT4) {
            out.add("loop-dio applies only to the loop-ext4 scenario");
        }
        if (spec.mitigations().contains(Mitigation.IO_FLUSHER)) {
            long capEff = Long.parseUnsignedLong(status.getOrDefault("CapEff", "0"), 16);
            out.add((capEff & (1L << CAP_SYS_RESOURCE)) == 0
                    ? "io-flusher unavailable: PR_SET_IO_FLUSHER needs CAP_SYS_RESOURCE, which this process lacks (CapEff "
                            + status.get("CapEff") + ")"
                    : "io-flusher unavailable: applying PR_SET_IO_FLUSHER to an external daemon needs a launcher that"
                            + " calls prctl before exec, which this version does not have");
        }
        return out;
    }

    static boolean onPath(String name) {
        if (name.contains("/")) {
            return Files.isExecutable(Path.of(name));
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }
}
