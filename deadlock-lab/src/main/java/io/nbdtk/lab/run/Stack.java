package io.nbdtk.lab.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** An NBD server plus a FUSE daemon that exposes its export as one file. */
public interface Stack {
    /** Name used on the command line and in reports. */
    String name();

    /** Why this stack cannot apply the mitigations (empty when it can). */
    Optional<String> unsupported(Set<Mitigation> mitigations);

    /** Command serving {@code image} on the Unix socket {@code socket}. */
    List<String> serverCommand(Path image, Path socket, Set<Mitigation> mitigations);

    /** Command mounting the export as {@code fuseDir/disk}; must write its PID to {@code pidFile}. */
    List<String> fuseCommand(Path fuseDir, Path socket, Path pidFile, Set<Mitigation> mitigations);

    /** Notes on how the mitigations were applied (e.g. which daemon could lock its memory). */
    List<String> notes(Set<Mitigation> mitigations);
}
