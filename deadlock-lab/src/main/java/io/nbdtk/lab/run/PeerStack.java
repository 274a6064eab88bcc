package io.nbdtk.lab.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The reference tools: nbdkit (file plugin) behind nbdfuse (libnbd), as in the reference notes. */
public final class PeerStack implements Stack {
    public static final String NAME = "nbdkit+nbdfuse";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unsupported(Set<Mitigation> mitigations) {
        if (mitigations.contains(Mitigation.FUSE_DIRECT_IO)) {
            return Optional.of("nbdfuse has no direct_io option (libfuse3 rejects -o direct_io)");
        }
        return Optional.empty();
    }

    @Override
    public long defaultMemoryLimitMiB() {
        return 128; // the reference reproduction's limit
    }

    @Override
    public List<String> serverCommand(Path image, Path socket, Set<Mitigation> mitigations) {
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "-f", "-U", socket.toString()));
        if (mitigations.contains(Mitigation.MLOCKALL)) {
            cmd.add("--swap"); // nbdkit's --swap is mlockall(MCL_CURRENT|MCL_FUTURE)
        }
        cmd.addAll(List.of("file", image.toString()));
        return cmd;
    }

    @Override
    public List<String> fuseCommand(Path fuseDir, Path socket, Path pidFile, String cgroup,
            Set<Mitigation> mitigations) {
        return List.of("nbdfuse", "-P", pidFile.toString(), fuseDir.resolve("disk").toString(), "--unix",
                socket.toString());
    }

    @Override
    public List<String> notes(Set<Mitigation> mitigations) {
        return mitigations.contains(Mitigation.MLOCKALL)
                ? List.of("mlockall: nbdkit --swap; nbdfuse has no way to lock its memory")
                : List.of();
    }
}
