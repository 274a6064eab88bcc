package io.nbdtk.fuse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How to mount: read-only, direct I/O (no page cache for the files), extra {@code -o} options
 * passed through to libfuse, and how long mount and unmount may take.
 */
public record MountOptions(boolean readOnly, boolean directIo, List<String> extraOptions, Duration timeout) {
    /**
     * libfuse2 with the kernel's default of 32 pages per request: 128 KiB is the most one read or
     * write can carry, and big_writes is what lets writes be that large (else 4 KiB each).
     */
    static final int MAX_IO = 128 * 1024;

    public MountOptions {
        extraOptions = List.copyOf(extraOptions);
    }

    public static MountOptions defaults() {
        return new MountOptions(false, false, List.of(), Duration.ofSeconds(20));
    }

    public MountOptions withReadOnly(boolean ro) {
        return new MountOptions(ro, directIo, extraOptions, timeout);
    }

    public MountOptions withDirectIo(boolean direct) {
        return new MountOptions(readOnly, direct, extraOptions, timeout);
    }

    public MountOptions withExtraOptions(List<String> extra) {
        return new MountOptions(readOnly, directIo, extra, timeout);
    }

    /** The libfuse command-line options (after the program name; jnr-fuse adds -f and the mount point). */
    List<String> fuseArguments() {
        List<String> o = new ArrayList<>(List.of("fsname=nbd-fuse", "subtype=nbd-fuse", "big_writes",
                "max_write=" + MAX_IO, "max_read=" + MAX_IO, "default_permissions"));
        if (readOnly) {
            o.add("ro");
        }
        if (directIo) {
            o.add("direct_io");
        }
        o.addAll(extraOptions);
        return List.of("-o", String.join(",", o));
    }
}
