package io.nbdtk.lab.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Creates and drives the lab's memory cgroups under {@code .../nbdtk-deadlock-lab/}: the v1
 * memory hierarchy where the machine has one (this machine binds the memory controller to v1),
 * otherwise cgroup v2 with the memory controller. Both speak through the same few files.
 */
public abstract class MemoryCgroups {
    public static final String BASE = "nbdtk-deadlock-lab";

    /** Usage and page-cache state of one cgroup; {@code limitHits} is v1 failcnt or v2 events "max". */
    public record Stats(long usageBytes, long dirtyBytes, long writebackBytes, long limitHits) {}

    protected final Path base;

    protected MemoryCgroups(Path base) {
        this.base = base;
    }

    public static Optional<MemoryCgroups> detect(Path root) {
        Path v1 = root.resolve("sys/fs/cgroup/memory");
        if (Files.exists(v1.resolve("memory.limit_in_bytes"))) {
            return Optional.of(new V1(v1.resolve(BASE)));
        }
        Path v2 = root.resolve("sys/fs/cgroup");
        if (read(v2.resolve("cgroup.controllers")).orElse("").contains("memory")) {
            return Optional.of(new V2(v2, v2.resolve(BASE)));
        }
        return Optional.empty();
    }

    public abstract int version();

    /** Creates {@code BASE/name} limited to {@code limitBytes}. */
    public abstract Path create(String name, long limitBytes) throws IOException;

    /** Removes the limit, the first (harmless, usually insufficient) step of recovery. */
    public abstract void lift(Path cgroup) throws IOException;

    public abstract Stats stats(Path cgroup);

    /** How many processes the cgroup's own OOM killer has killed. */
    public abstract long oomKills(Path cgroup);

    public Path base() {
        return base;
    }

    /** The cgroup's path as /proc/PID/cgroup shows it (relative to the hierarchy root). */
    public String relativePath(Path cgroup) {
        return "/" + base.getParent().relativize(cgroup);
    }

    public List<Integer> procs(Path cgroup) {
        List<Integer> out = new ArrayList<>();
        for (String s : read(cgroup.resolve("cgroup.procs")).orElse("").split("\\s+")) {
            if (!s.isEmpty()) {
                out.add(Integer.parseInt(s));
            }
        }
        return out;
    }

    /** The file through which a process enters the cgroup (writing its PID). */
    public Path procsFile(Path cgroup) {
        return cgroup.resolve("cgroup.procs");
    }

    protected static Optional<String> read(Path p) {
        try {
            return Optional.of(new String(Files.readAllBytes(p), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    protected static long number(Path p) {
        try {
            return Long.parseLong(read(p).orElse("0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    protected static Map<String, Long> keyValues(Path p) {
        Map<String, Long> out = new HashMap<>();
        for (String line : read(p).orElse("").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                try {
                    out.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException ignored) {
                    // not a counter
                }
            }
        }
        return out;
    }

    protected static void write(Path p, String value) throws IOException {
        Files.writeString(p, value);
    }

    /** Legacy memory controller: memory.limit_in_bytes, failcnt; reclaim waits on writeback here. */
    static final class V1 extends MemoryCgroups {
        V1(Path base) {
            super(base);
        }

        @Override
        public int version() {
            return 1;
        }

        @Override
        public Path create(String name, long limitBytes) throws IOException {
            Files.createDirectories(base);
            Path cg = base.resolve(name);
            Files.createDirectory(cg);
            write(cg.resolve("memory.limit_in_bytes"), Long.toString(limitBytes));
            return cg;
        }

        @Override
        public void lift(Path cgroup) throws IOException {
            write(cgroup.resolve("memory.limit_in_bytes"), "-1");
        }

        @Override
        public Stats stats(Path cgroup) {
            Map<String, Long> stat = keyValues(cgroup.resolve("memory.stat"));
            return new Stats(number(cgroup.resolve("memory.usage_in_bytes")), stat.getOrDefault("dirty", 0L),
                    stat.getOrDefault("writeback", 0L), number(cgroup.resolve("memory.failcnt")));
        }

        @Override
        public long oomKills(Path cgroup) {
            return keyValues(cgroup.resolve("memory.oom_control")).getOrDefault("oom_kill", 0L);
        }
    }

    /** Unified hierarchy: memory.max/high, memory.events; the memory controller must be delegated. */
    static final class V2 extends MemoryCgroups {
        private final Path hierarchyRoot;

        V2(Path hierarchyRoot, Path base) {
            super(base);
            this.hierarchyRoot = hierarchyRoot;
        }

        @Override
        public int version() {
            return 2;
        }

        @Override
        public Path create(String name, long limitBytes) throws IOException {
            if (!read(hierarchyRoot.resolve("cgroup.subtree_control")).orElse("").contains("memory")) {
                write(hierarchyRoot.resolve("cgroup.subtree_control"), "+memory");
            }
            if (!Files.exists(base)) {
                Files.createDirectory(base);
            }
            if (!read(base.resolve("cgroup.subtree_control")).orElse("").contains("memory")) {
                write(base.resolve("cgroup.subtree_control"), "+memory");
            }
            Path cg = base.resolve(name);
            Files.createDirectory(cg);
            write(cg.resolve("memory.max"), Long.toString(limitBytes));
            return cg;
        }

        @Override
        public void lift(Path cgroup) throws IOException {
            write(cgroup.resolve("memory.high"), "max");
            write(cgroup.resolve("memory.max"), "max");
        }

        @Override
        public Stats stats(Path cgroup) {
            Map<String, Long> stat = keyValues(cgroup.resolve("memory.stat"));
            return new Stats(number(cgroup.resolve("memory.current")), stat.getOrDefault("file_dirty", 0L),
                    stat.getOrDefault("file_writeback", 0L),
                    keyValues(cgroup.resolve("memory.events")).getOrDefault("max", 0L));
        }

        @Override
        public long oomKills(Path cgroup) {
            return keyValues(cgroup.resolve("memory.events")).getOrDefault("oom_kill", 0L);
        }
    }
}
