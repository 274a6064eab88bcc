package io.nbdtk.lab.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Read-only view of {@code ROOT/proc}. Every method tolerates processes that vanish while being
 * read (they return empty results). Nothing here follows a link or stats a path outside /proc, so
 * a hung FUSE mount cannot block the reader.
 */
public final class ProcFs {
    /** PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE: what prctl(PR_SET_IO_FLUSHER, 1) sets on a thread. */
    public static final long PF_IO_FLUSHER = 0x00080000L | 0x00100000L;

    private final Path proc;

    public ProcFs(Path root) {
        this.proc = root.resolve("proc");
    }

    public Path dir() {
        return proc;
    }

    public List<Integer> pids() {
        return numericEntries(proc);
    }

    public List<Integer> threads(int pid) {
        return numericEntries(proc.resolve(pid + "/task"));
    }

    public Optional<ProcessStat> stat(int pid) {
        return read(proc.resolve(pid + "/stat")).map(ProcessStat::parse);
    }

    public Optional<ProcessStat> threadStat(int pid, int tid) {
        return read(proc.resolve(pid + "/task/" + tid + "/stat")).map(ProcessStat::parse);
    }

    public String wchan(int pid, int tid) {
        return read(proc.resolve(pid + "/task/" + tid + "/wchan")).map(String::trim).orElse("");
    }

    /** Kernel stack of a thread (root only); empty when unreadable. */
    public String kernelStack(int pid, int tid) {
        return read(proc.resolve(pid + "/task/" + tid + "/stack")).orElse("");
    }

    public List<String> cmdline(int pid) {
        return read(proc.resolve(pid + "/cmdline"))
                .map(s -> s.isEmpty() ? List.<String>of() : Arrays.asList(s.split("\0")))
                .orElse(List.of());
    }

    public String comm(int pid) {
        return read(proc.resolve(pid + "/comm")).map(String::trim)
                .orElseGet(() -> stat(pid).map(ProcessStat::comm).orElse("?"));
    }

    /** {@code /proc/PID/status} as key -> value (value trimmed, units kept). */
    public Map<String, String> status(int pid) {
        Map<String, String> out = new LinkedHashMap<>();
        read(proc.resolve(pid + "/status")).ifPresent(s -> {
            for (String line : s.split("\n")) {
                int c = line.indexOf(':');
                if (c > 0) {
                    out.put(line.substring(0, c), line.substring(c + 1).trim());
                }
            }
        });
        return out;
    }

    /** fd number -> link target text ({@code /dev/fuse}, {@code socket:[123]}, a path, ...). */
    public Map<Integer, String> fds(int pid) {
        Map<Integer, String> out = new TreeMap<>();
        Path dir = proc.resolve(pid + "/fd");
        for (int fd : numericEntries(dir)) {
            try {
                out.put(fd, Files.readSymbolicLink(dir.resolve(Integer.toString(fd))).toString());
            } catch (IOException | UnsupportedOperationException e) {
                // fd closed meanwhile, or not a link: skip
            }
        }
        return out;
    }

    public Optional<String> fdinfo(int pid, int fd) {
        return read(proc.resolve(pid + "/fdinfo/" + fd));
    }

    /** Lines of {@code /proc/PID/cgroup}. */
    public List<String> cgroups(int pid) {
        return read(proc.resolve(pid + "/cgroup")).map(s -> List.of(s.split("\n"))).orElse(List.of());
    }

    /** Socket inodes held by a process ({@code socket:[N]} fd targets). */
    public List<Long> socketInodes(int pid) {
        List<Long> out = new ArrayList<>();
        for (String target : fds(pid).values()) {
            if (target.startsWith("socket:[") && target.endsWith("]")) {
                out.add(Long.parseLong(target.substring(8, target.length() - 1)));
            }
        }
        return out;
    }

    public Optional<String> read(Path p) {
        try {
            return Optional.of(new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    private static List<Integer> numericEntries(Path dir) {
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
                    out.add(Integer.parseInt(n));
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }
}
