package io.nbdtk.lab.sys;

import java.util.List;

/**
 * One line of {@code /proc/PID/mountinfo}. A mount is writable only when both the per-mount
 * options and the superblock options say {@code rw}.
 */
public record Mount(int id, int parentId, int major, int minor, String root, String mountPoint,
        List<String> mountOptions, String fsType, String source, List<String> superOptions) {

    public boolean writable() {
        return mountOptions.contains("rw") && !superOptions.contains("ro");
    }

    /** {@code fuse} and {@code fuse.NAME}, the filesystems served through /dev/fuse (minor = connection). */
    public boolean isFuse() {
        return fsType.equals("fuse") || fsType.startsWith("fuse.");
    }

    public boolean isFuseBlock() {
        return fsType.equals("fuseblk");
    }

    public String device() {
        return major + ":" + minor;
    }

    /** True when {@code path} (absolute, normalized) lies on or under this mount point. */
    public boolean contains(String path) {
        if (mountPoint.equals("/")) {
            return path.startsWith("/");
        }
        return path.equals(mountPoint) || path.startsWith(mountPoint + "/");
    }
}
