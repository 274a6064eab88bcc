package io.nbdtk.lab.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The mount table of one mount namespace, parsed from a mountinfo file. */
public final class MountTable {
    private final List<Mount> mounts;

    private MountTable(List<Mount> mounts) {
        this.mounts = List.copyOf(mounts);
    }

    public static MountTable read(Path mountinfo) throws IOException {
        return parse(Files.readAllLines(mountinfo));
    }

    public static MountTable parse(List<String> lines) {
        List<Mount> out = new ArrayList<>();
        for (String line : lines) {
            if (!line.isBlank()) {
                out.add(parseLine(line));
            }
        }
        return new MountTable(out);
    }

    static Mount parseLine(String line) {
        String[] f = line.trim().split(" ");
        int sep = Arrays.asList(f).indexOf("-");
        if (sep < 6 || f.length < sep + 3) {
            throw new IllegalArgumentException("not a mountinfo line: " + line);
        }
        String[] dev = f[2].split(":");
        return new Mount(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(dev[0]),
                Integer.parseInt(dev[1]), unescape(f[3]), unescape(f[4]), List.of(f[5].split(",")),
                f[sep + 1], unescape(f[sep + 2]),
                f.length > sep + 3 ? List.of(f[sep + 3].split(",")) : List.of());
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes ({@code \040}). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    public List<Mount> mounts() {
        return mounts;
    }

    /** The mount that holds {@code path}: the last-mounted one with the longest matching mount point. */
    public Optional<Mount> mountOf(String path) {
        Mount best = null;
        for (Mount m : mounts) {
            if (m.contains(path) && (best == null || m.mountPoint().length() >= best.mountPoint().length())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    public Optional<Mount> atMountPoint(String mountPoint) {
        Mount found = null;
        for (Mount m : mounts) {
            if (m.mountPoint().equals(mountPoint)) {
                found = m; // the top of a stack of mounts on one point is listed last
            }
        }
        return Optional.ofNullable(found);
    }
}
