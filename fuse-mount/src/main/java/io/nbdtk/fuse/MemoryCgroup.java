package io.nbdtk.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A memory cgroup of the daemon's own, without a limit. In the lab the deadlock needed the daemon
 * to share a limited (v1) memcg with the writers: reclaim charged to that group waited on
 * writeback only the daemon could finish. With the daemon in a separate group the same workload
 * finished in 3 s. The group is created under {@code parent} (default: the root of the memory
 * hierarchy, i.e. beside the writers' groups, not inside them) and removed again on close.
 */
final class MemoryCgroup implements AutoCloseable {
    private final Path group;
    private final Path previous;
    private final long pid;

    private MemoryCgroup(Path group, Path previous, long pid) {
        this.group = group;
        this.previous = previous;
        this.pid = pid;
    }

    /** Where the memory controller is: v1 {@code <root>/memory}, or the v2 root with "memory" enabled. */
    static Optional<Path> memoryHierarchy(Path cgroupRoot) throws IOException {
        Path v1 = cgroupRoot.resolve("memory");
        if (Files.exists(v1.resolve("memory.limit_in_bytes")) || Files.exists(v1.resolve("cgroup.procs")) && Files.isDirectory(v1)) {
            return Optional.of(v1);
        }
        Path controllers = cgroupRoot.resolve("cgroup.controllers");
        if (Files.exists(controllers) && Files.readString(controllers).matches("(?s).*\\bmemory\\b.*")) {
            return Optional.of(cgroupRoot);
        }
        return Optional.empty();
    }

    /**
     * Moves process {@code pid} (all its threads) into {@code <hierarchy>/<parent>/nbd-fuse-<pid>}.
     * {@code currentGroup} is where it is now (relative, from /proc/self/cgroup), to go back on close.
     */
    static MemoryCgroup enter(Path cgroupRoot, String parent, String currentGroup, long pid) throws IOException {
        Path hierarchy = memoryHierarchy(cgroupRoot)
                .orElseThrow(() -> new IOException("no memory cgroup controller under " + cgroupRoot));
        Path group = hierarchy.resolve(strip(parent)).resolve("nbd-fuse-" + pid);
        Files.createDirectories(group);
        Files.writeString(group.resolve("cgroup.procs"), Long.toString(pid));
        return new MemoryCgroup(group, hierarchy.resolve(strip(currentGroup)), pid);
    }

    private static String strip(String relative) {
        String s = relative == null ? "" : relative;
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        return s;
    }

    /** The v1 memory (or v2 unified) group of this process from a /proc/PID/cgroup text. */
    static String currentGroup(String procCgroup) {
        String v2 = null;
        for (String line : procCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && f[1].matches("(.*,)?memory(,.*)?")) {
                return f[2];
            }
            if (f.length == 3 && f[0].equals("0") && f[1].isEmpty()) {
                v2 = f[2];
            }
        }
        return v2 == null ? "/" : v2;
    }

    Path group() {
        return group;
    }

    @Override
    public void close() throws IOException {
        Files.writeString(previous.resolve("cgroup.procs"), Long.toString(pid));
        try {
            Files.deleteIfExists(group); // rmdir: cgroupfs removes the control files with it
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // only a plain directory (not cgroupfs) can be "not empty" here: a test tree
        }
    }
}
