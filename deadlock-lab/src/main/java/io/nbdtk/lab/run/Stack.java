package io.nbdtk.lab.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** An NBD server plus a FUSE daemon that exposes its export as one file. */
public interface Stack {
    /** Name used on the command line and in reports. */
    String name();

    /** Why this stack cannot run here or cannot apply the mitigations (empty when it can). */
    Optional<String> unsupported(Set<Mitigation> mitigations);

    /** Writer cgroup limit when none is given: the daemons must fit in it when they share it. */
    long defaultMemoryLimitMiB();

    /** Command serving {@code image} on the Unix socket {@code socket}. */
    List<String> serverCommand(Path image, Path socket, Set<Mitigation> mitigations);

    /**
     * Command mounting the export as {@code fuseDir/disk}; must write its PID to {@code pidFile}.
     * {@code cgroup} is the memory cgroup the daemon is started in, relative to the hierarchy root.
     */
    List<String> fuseCommand(Path fuseDir, Path socket, Path pidFile, String cgroup, Set<Mitigation> mitigations);

    /** Notes on how the mitigations were applied (e.g. which daemon could lock its memory). */
    List<String> notes(Set<Mitigation> mitigations);
}
