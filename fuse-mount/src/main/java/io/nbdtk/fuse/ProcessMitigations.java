package io.nbdtk.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * mlockall and PR_SET_IO_FLUSHER for this process. Capabilities are read from
 * /proc/self/status first, so a missing one is reported as the reason instead of a bare EPERM.
 */
final class ProcessMitigations {
    static final int CAP_IPC_LOCK = 14;
    static final int CAP_SYS_RESOURCE = 24;

    private final Path procSelfStatus;

    ProcessMitigations(Path procSelfStatus) {
        this.procSelfStatus = procSelfStatus;
    }

    static ProcessMitigations ofThisProcess() {
        return new ProcessMitigations(Path.of("/proc/self/status"));
    }

    /** Whether capability {@code bit} is in CapEff. */
    boolean hasCapability(int bit) throws IOException {
        for (String line : Files.readAllLines(procSelfStatus)) {
            if (line.startsWith("CapEff:")) {
                long eff = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                return (eff >>> bit & 1) != 0;
            }
        }
        return false;
    }

    /**
     * Locks the pages of the process, now and in future, as they are touched
     * (MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT): what the daemon has used can no longer be reclaimed
     * or swapped out under pressure, so serving a request does not fault it back in. Without
     * MCL_ONFAULT a JVM would populate and lock every mapping it reserved (measured here: 2.5 GB
     * RSS with the default heap instead of about 150 MB). Needs CAP_IPC_LOCK or a large enough
     * RLIMIT_MEMLOCK.
     */
    Mitigation mlockall() {
        String name = "mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT)";
        try {
            ProcessLib lib = lib();
            if (lib.mlockall(ProcessLib.MCL_CURRENT | ProcessLib.MCL_FUTURE | ProcessLib.MCL_ONFAULT) == 0) {
                return new Mitigation(name, true, "every page the daemon has touched stays in memory");
            }
            int errno = Runtime.getRuntime(lib).getLastError();
            String why = hasCapability(CAP_IPC_LOCK) ? "" : "; CAP_IPC_LOCK is missing and RLIMIT_MEMLOCK is too small";
            return new Mitigation(name, false, lib.strerror(errno) + why);
        } catch (IOException | RuntimeException | LinkageError e) {
            return new Mitigation(name, false, "native call unavailable: " + e);
        }
    }

    /**
     * PR_SET_IO_FLUSHER on the calling thread: its allocations no longer wait on filesystem
     * writeback (PF_MEMALLOC_NOIO) nor get throttled for other devices' dirty pages
     * (PF_LOCAL_THROTTLE). Per thread, inherited by threads created afterwards: call it on the
     * thread that then creates the libfuse and NBD client threads. Needs CAP_SYS_RESOURCE.
     */
    Mitigation ioFlusher() {
        String name = "prctl(PR_SET_IO_FLUSHER)";
        try {
            if (!hasCapability(CAP_SYS_RESOURCE)) {
                return new Mitigation(name, false, "CAP_SYS_RESOURCE is not in this process's effective set");
            }
            ProcessLib lib = lib();
            if (lib.prctl(ProcessLib.PR_SET_IO_FLUSHER, 1, 0, 0, 0) == 0) {
                return new Mitigation(name, true, "set on the thread that starts the FUSE loop and the NBD"
                        + " connections; their threads inherit it (JVM threads started earlier do not)");
            }
            return new Mitigation(name, false, lib.strerror(Runtime.getRuntime(lib).getLastError()));
        } catch (IOException | RuntimeException | LinkageError e) {
            return new Mitigation(name, false, "native call unavailable: " + e);
        }
    }

    private static ProcessLib lib() {
        return Holder.LIB;
    }

    private static final class Holder {
        static final ProcessLib LIB = LibraryLoader.create(ProcessLib.class).load("c");
    }
}
