package io.nbdtk.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads a mountinfo file ({@code /proc/self/mountinfo}) without touching the mounts themselves:
 * a stat() of a hung FUSE mount would block, a read of the table never does.
 */
final class MountTable {
    /** One mountinfo line: the mount point, its file-system type and the device's minor number. */
    record Mount(Path mountPoint, String fsType, int major, int minor) {
        /** For FUSE mounts the minor number is the connection id under /sys/fs/fuse/connections. */
        boolean isFuse() {
            return fsType.equals("fuse") || fsType.startsWith("fuse.");
        }
    }

    private final Path mountinfo;

    MountTable(Path mountinfo) {
        this.mountinfo = mountinfo;
    }

    static MountTable ofThisProcess() {
        return new MountTable(Path.of("/proc/self/mountinfo"));
    }

    /** The topmost mount at {@code mountPoint} (an absolute, normalised path), if any. */
    Optional<Mount> find(Path mountPoint) throws IOException {
        Mount found = null;
        for (String line : Files.readAllLines(mountinfo)) {
            Mount m = parse(line);
            if (m != null && m.mountPoint().equals(mountPoint)) {
                found = m; // later lines are mounted on top of earlier ones
            }
        }
        return Optional.ofNullable(found);
    }

    static Mount parse(String line) {
        // id parent major:minor root mountpoint options [optional fields...] - fstype source superopts
        List<String> f = List.of(line.split(" "));
        int dash = f.indexOf("-");
        if (f.size() < 5 || dash < 0 || dash + 1 >= f.size()) {
            return null;
        }
        String[] dev = f.get(2).split(":");
        return new Mount(Path.of(unescape(f.get(4))), f.get(dash + 1),
                Integer.parseInt(dev[0]), Integer.parseInt(dev[1]));
    }

    /** mountinfo writes space, tab, newline and backslash as three octal digits after a backslash. */
    static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
