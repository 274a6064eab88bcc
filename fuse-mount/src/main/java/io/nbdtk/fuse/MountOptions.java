package io.nbdtk.fuse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How to mount: read-only, direct I/O (no page cache for the files), extra {@code -o} options
 * (libfuse's syntax), how long mount and unmount may take, and which FUSE engine serves it.
 */
public record MountOptions(boolean readOnly, boolean directIo, List<String> extraOptions, Duration timeout,
        FuseEngine engine) {
    /**
     * libfuse2 with the kernel's default of 32 pages per request: 128 KiB is the most one read or
     * write can carry, and big_writes is what lets writes be that large (else 4 KiB each).
     */
    static final int MAX_IO = ExportFileSystem.MAX_IO;

    public MountOptions {
        extraOptions = List.copyOf(extraOptions);
    }

    public static MountOptions defaults() {
        return new MountOptions(false, false, List.of(), Duration.ofSeconds(20), FuseEngine.KERNEL);
    }

    public MountOptions withReadOnly(boolean ro) {
        return new MountOptions(ro, directIo, extraOptions, timeout, engine);
    }

    public MountOptions withDirectIo(boolean direct) {
        return new MountOptions(readOnly, direct, extraOptions, timeout, engine);
    }

    public MountOptions withExtraOptions(List<String> extra) {
        return new MountOptions(readOnly, directIo, extra, timeout, engine);
    }

    public MountOptions withEngine(FuseEngine e) {
        return new MountOptions(readOnly, directIo, extraOptions, timeout, e);
    }

    /** The libfuse 2 engine's command-line options (after the program name; jnr-fuse adds -f and the mount point). */
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
