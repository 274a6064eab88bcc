package io.nbdtk.lab.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Finds the memory cgroup of a process under {@code ROOT/sys/fs/cgroup}: the v1 {@code memory}
 * hierarchy when the process has one, otherwise the unified (v2) hierarchy when its root offers
 * the memory controller.
 */
public final class CgroupFs {
    /** v1 reports "no limit" as a page-rounded LONG_MAX; anything this large means unlimited. */
    private static final long V1_UNLIMITED = 1L << 62;

    private final Path cgroupRoot;
    private final ProcFs proc;

    public CgroupFs(Path root, ProcFs proc) {
        this.cgroupRoot = root.resolve("sys/fs/cgroup");
        this.proc = proc;
    }

    public Optional<MemoryCgroup> memoryCgroupOf(int pid) {
        String v2Path = null;
        for (String line : proc.cgroups(pid)) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            if (List.of(f[1].split(",")).contains("memory")) {
                return Optional.of(v1(f[2]));
            }
            if (f[0].equals("0") && f[1].isEmpty()) {
                v2Path = f[2];
            }
        }
        if (v2Path != null && text(cgroupRoot.resolve("cgroup.controllers")).orElse("").contains("memory")) {
            return Optional.of(v2(v2Path));
        }
        return Optional.empty();
    }

    private MemoryCgroup v1(String path) {
        Path dir = resolve(cgroupRoot.resolve("memory"), path);
        OptionalLong limit = number(dir.resolve("memory.limit_in_bytes"));
        if (limit.isPresent() && limit.getAsLong() >= V1_UNLIMITED) {
            limit = OptionalLong.empty();
        }
        return new MemoryCgroup(1, path, limit, OptionalLong.empty(), procs(dir));
    }

    private MemoryCgroup v2(String path) {
        Path dir = resolve(cgroupRoot, path);
        OptionalLong min = number(dir.resolve("memory.min"));
        OptionalLong low = number(dir.resolve("memory.low"));
        long prot = Math.max(min.orElse(0), low.orElse(0));
        return new MemoryCgroup(2, path, number(dir.resolve("memory.max")),
                prot > 0 ? OptionalLong.of(prot) : OptionalLong.empty(), procs(dir));
    }

    private static Path resolve(Path base, String cgroupPath) {
        String rel = cgroupPath.startsWith("/") ? cgroupPath.substring(1) : cgroupPath;
        return rel.isEmpty() ? base : base.resolve(rel);
    }

    private static List<Integer> procs(Path dir) {
        List<Integer> out = new ArrayList<>();
        for (String s : text(dir.resolve("cgroup.procs")).orElse("").split("\\s+")) {
            if (!s.isEmpty()) {
                out.add(Integer.parseInt(s));
            }
        }
        return out;
    }

    /** A number, or empty for "max", a missing file or garbage. */
    private static OptionalLong number(Path p) {
        Optional<String> t = text(p);
        if (t.isEmpty() || t.get().equals("max")) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(t.get()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static Optional<String> text(Path p) {
        try {
            return Optional.of(new String(Files.readAllBytes(p), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
