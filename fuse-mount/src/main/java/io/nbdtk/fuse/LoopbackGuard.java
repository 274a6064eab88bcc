package io.nbdtk.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The policy for mounts whose server runs on this machine. Read-only local mounts are safe (no
 * writeback ever needs the daemon). A read-write local mount is refused unless the user insists
 * ({@code --allow-local-rw}); then every mitigation that works here is applied and reported. Why
 * these and not others: docs/nbd-fuse.md, "Loopback safety".
 */
final class LoopbackGuard implements AutoCloseable {
    static final String HAZARD = "a read-write mount of an NBD server on the same machine can deadlock under"
            + " memory pressure: writing back the file's dirty pages needs nbd-fuse and the server, and"
            + " both need memory that the kernel may only free by finishing that writeback";

    private final List<Mitigation> applied = new ArrayList<>();
    private MemoryCgroup cgroup;

    /** Why the mount must not go ahead, if it must not. */
    static Optional<String> refusal(Locality where, boolean readOnly, boolean allowLocalRw) {
        if (!where.local() || readOnly || allowLocalRw) {
            return Optional.empty();
        }
        return Optional.of("refusing a read-write mount: " + where.reason() + ", and " + HAZARD + ".\n"
                + "Mount it read-only (--readonly), or pass --allow-local-rw to mount it read-write with"
                + " the mitigations nbd-fuse can apply here (see docs/nbd-fuse.md).");
    }

    /** Whether a mount needs the mitigations at all. */
    static boolean needed(Locality where, boolean readOnly) {
        return where.local() && !readOnly;
    }

    /**
     * Applied on the calling thread before any NBD connection or FUSE thread exists, so that they
     * inherit PR_SET_IO_FLUSHER; the process moves to a memory cgroup of its own.
     */
    void applyBeforeConnecting(Path cgroupRoot, String cgroupParent) {
        applied.add(ProcessMitigations.ofThisProcess().ioFlusher());
        String name = "own memory cgroup";
        try {
            long pid = ProcessHandle.current().pid();
            String current = MemoryCgroup.currentGroup(Files.readString(Path.of("/proc/self/cgroup")));
            cgroup = MemoryCgroup.enter(cgroupRoot, cgroupParent, current, pid);
            applied.add(new Mitigation(name, true, "moved to " + cgroup.group() + " (no limit), away from the"
                    + " group of the writers (" + current + ")"));
        } catch (IOException | RuntimeException e) {
            applied.add(new Mitigation(name, false, e.getMessage()));
        }
    }

    /** Recorded so the report lists it with the others (the mount options carry it out). */
    void directIo() {
        applied.add(new Mitigation("FUSE direct_io", true,
                "the file has no page cache, so no dirty FUSE pages ever wait on this daemon"));
    }

    /** Last, once the daemon's threads and buffers exist: locks them all (and what comes later). */
    void lockMemory() {
        applied.add(ProcessMitigations.ofThisProcess().mlockall());
    }

    List<Mitigation> report() {
        return List.copyOf(applied);
    }

    @Override
    public void close() {
        if (cgroup != null) {
            try {
                cgroup.close();
            } catch (IOException e) {
                System.err.println("nbd-fuse: could not leave " + cgroup.group() + ": " + e.getMessage());
            }
            cgroup = null;
        }
    }
}
