package io.nbdtk.fuse.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.nbdtk.server.os.FuseLibC;
import io.nbdtk.server.os.Fusermount;

/**
 * Creates the FUSE mount and returns its /dev/fuse connection. Root calls mount(2) itself;
 * anyone else goes through the setuid fusermount helper (see {@link Fusermount}).
 *
 * @param fsName the "device" shown in the mount table
 * @param subtype the mount's type is {@code fuse.SUBTYPE}
 * @param flags MS_* mount flags (MS_RDONLY, MS_NOSUID, ...)
 * @param options kernel FUSE options besides fd/rootmode/user_id/group_id: allow_other,
 *        default_permissions, max_read=N, blksize=N
 */
public record KernelMounter(String fsName, String subtype, long flags, List<String> options) {
    public KernelMounter {
        options = List.copyOf(options);
    }

    private static final int EPERM = 1;

    /**
     * {@code asRoot}: try mount(2) first; root without CAP_SYS_ADMIN (a container, a user
     * namespace) gets EPERM there and falls back to fusermount like everyone else.
     */
    public FuseDevice mount(Path mountPoint, boolean asRoot, int uid, int gid, Duration timeout) throws IOException {
        if (asRoot) {
            FuseDevice dev = mountDirectly(mountPoint, uid, gid);
            if (dev != null) {
                return dev;
            }
        }
        return new FuseDevice(Fusermount.mount(mountPoint, fusermountOptions(), timeout));
    }

    /** mount(2)'s data string for the connection {@code fd}. */
    public String kernelData(int fd, int uid, int gid) {
        List<String> o = new ArrayList<>(List.of("fd=" + fd, "rootmode=40000", "user_id=" + uid, "group_id=" + gid));
        o.addAll(options);
        return String.join(",", o);
    }

    /** fusermount's -o list: it adds fd, rootmode, user_id and group_id, nosuid and nodev itself. */
    public String fusermountOptions() {
        List<String> o = new ArrayList<>(List.of("fsname=" + fsName, "subtype=" + subtype));
        if ((flags & FuseLibC.MS_RDONLY) != 0) {
            o.add("ro");
        }
        if ((flags & FuseLibC.MS_NOEXEC) != 0) {
            o.add("noexec");
        }
        if ((flags & FuseLibC.MS_NOATIME) != 0) {
            o.add("noatime");
        }
        o.addAll(options);
        return String.join(",", o);
    }

    /** The connection, or null when mount(2) is not permitted (EPERM). */
    private FuseDevice mountDirectly(Path mountPoint, int uid, int gid) throws IOException {
        FuseDevice dev = FuseDevice.open();
        int r = FuseDevice.libc().mount(fsName, mountPoint.toString(), "fuse." + subtype, flags,
                kernelData(dev.fd(), uid, gid));
        if (r != 0) {
            int errno = FuseDevice.lastErrno();
            dev.close();
            if (errno == EPERM) {
                return null;
            }
            throw new IOException("mount(2) of " + mountPoint + " failed: " + FuseDevice.describe(errno));
        }
        return dev;
    }
}
