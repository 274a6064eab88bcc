package io.nbdtk.fuse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import io.nbdtk.fuse.kernel.KernelMounter;
import io.nbdtk.server.os.FuseLibC;

/**
 * {@link MountOptions} for the kernel engine: which mount flags and kernel options to mount with,
 * who owns the files, and how files are opened. The {@code -o} options libfuse 2 understood keep
 * their meaning; those about libfuse's own request sizes (big_writes, max_write, max_read, ...)
 * are accepted and ignored, because this engine always asks for 1 MiB requests.
 */
record KernelMountOptions(KernelMounter mounter, long uid, long gid, boolean directIo, boolean keepCache) {
    private static final List<String> IGNORED = List.of("big_writes", "async_read", "sync_read", "auto_cache",
            "hard_remove", "use_ino", "readdir_ino", "atomic_o_trunc", "splice_read", "splice_write", "splice_move",
            "rw", "atime", "nosuid", "nodev", "exec");
    private static final List<String> IGNORED_PREFIXES = List.of("max_write=", "max_read=", "max_readahead=",
            "max_background=", "congestion_threshold=", "entry_timeout=", "attr_timeout=", "negative_timeout=");

    static KernelMountOptions of(MountOptions options, long uid, long gid) throws IOException {
        long flags = FuseLibC.MS_NOSUID | FuseLibC.MS_NODEV;
        List<String> kernel = new ArrayList<>(List.of("default_permissions"));
        String fsName = "nbd-fuse";
        String subtype = "nbd-fuse";
        boolean directIo = options.directIo();
        boolean keepCache = false;
        long owner = uid;
        long group = gid;
        if (options.readOnly()) {
            flags |= FuseLibC.MS_RDONLY;
        }
        for (String o : options.extraOptions()) {
            String o2 = o.trim();
            if (o2.isEmpty() || IGNORED.contains(o2) || IGNORED_PREFIXES.stream().anyMatch(o2::startsWith)) {
                continue;
            }
            switch (o2) {
                case "allow_other", "allow_root" -> add(kernel, "allow_other");
                case "default_permissions" -> add(kernel, o2);
                case "ro" -> flags |= FuseLibC.MS_RDONLY;
                case "noexec" -> flags |= FuseLibC.MS_NOEXEC;
                case "noatime" -> flags |= FuseLibC.MS_NOATIME;
                case "direct_io" -> directIo = true;
                case "kernel_cache" -> keepCache = true;
                default -> {
                    if (o2.startsWith("uid=")) {
                        owner = number(o2);
                    } else if (o2.startsWith("gid=")) {
                        group = number(o2);
                    } else if (o2.startsWith("fsname=")) {
                        fsName = o2.substring("fsname=".length());
                    } else if (o2.startsWith("subtype=")) {
                        subtype = o2.substring("subtype=".length());
                    } else {
                        throw new IOException("unknown FUSE option '" + o2 + "' (known: allow_other, default_permissions,"
                                + " ro, noexec, noatime, direct_io, kernel_cache, uid=N, gid=N, fsname=, subtype=)");
                    }
                }
            }
        }
        return new KernelMountOptions(new KernelMounter(fsName, subtype, flags, kernel), owner, group, directIo,
                keepCache);
    }

    private static void add(List<String> list, String option) {
        if (!list.contains(option)) {
            list.add(option);
        }
    }

    private static long number(String option) throws IOException {
        try {
            return Long.parseLong(option.substring(option.indexOf('=') + 1));
        } catch (NumberFormatException e) {
            throw new IOException("FUSE option '" + option + "' needs a number");
        }
    }
}
