package io.nbdtk.lab.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Our own tools: {@code nbd-server} (file export on a Unix socket) behind {@code nbd-fuse}, both
 * run from their jars. nbd-fuse protects a local read-write mount by itself: it always uses FUSE
 * direct_io, moves into a memory cgroup of its own under {@code --memory-cgroup-parent}, and
 * locks its memory unless told {@code --no-mlock}. The lab points that parent at the cgroup the
 * daemon would share (the writer's, unless separate-cgroup), so the daemon's group is charged to
 * the same limit, which reproduces the shared setup.
 */
public final class NbdtkStack implements Stack {
    public static final String NAME = "nbdtk";
    /** Small, fixed JVM footprint (about 65 MB resident each, measured here). */
    static final List<String> JVM_FLAGS = List.of("-Xms32m", "-Xmx64m", "-XX:+UseSerialGC",
            "-XX:ReservedCodeCacheSize=32m", "-XX:TieredStopAtLevel=1", "-Xss512k");

    private final Path home;

    public NbdtkStack(Path home) {
        this.home = home;
    }

    /** The repository (or install) directory: {@code -Dnbdtk.home}, else derived from the lab's own jar. */
    public static Path defaultHome() {
        String prop = System.getProperty("nbdtk.home");
        if (prop != null) {
            return Path.of(prop);
        }
        try {
            // .../deadlock-lab/target/deadlock-lab.jar or .../deadlock-lab/target/classes
            Path self = Path.of(NbdtkStack.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return self.getParent().getParent().getParent();
        } catch (Exception e) {
            return Path.of("").toAbsolutePath();
        }
    }

    Path serverJar() {
        return home.resolve("nbd-server/target/nbd-server.jar");
    }

    Path fuseJar() {
        return home.resolve("fuse-mount/target/nbd-fuse.jar");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unsupported(Set<Mitigation> mitigations) {
        for (Path jar : List.of(serverJar(), fuseJar())) {
            if (!Files.isRegularFile(jar)) {
                return Optional.of(jar + " is missing (mvn -B package -DskipTests, or -Dnbdtk.home=REPO)");
            }
        }
        return Optional.empty();
    }

    @Override
    public long defaultMemoryLimitMiB() {
        return 256;
    }

    @Override
    public List<String> serverCommand(Path image, Path socket, Set<Mitigation> mitigations) {
        List<String> cmd = java();
        cmd.addAll(List.of("-jar", serverJar().toString(), "--unix", socket.toString(), "--export",
                "disk=file:" + image));
        return cmd;
    }

    @Override
    public List<String> fuseCommand(Path fuseDir, Path socket, Path pidFile, String cgroup,
            Set<Mitigation> mitigations) {
        List<String> cmd = java();
        cmd.addAll(List.of("-jar", fuseJar().toString(), "--allow-local-rw", "-P", pidFile.toString(),
                "--memory-cgroup-parent", cgroup));
        if (!mitigations.contains(Mitigation.MLOCKALL)) {
            cmd.add("--no-mlock");
        }
        cmd.addAll(List.of("nbd+unix:///disk?socket=" + socket, fuseDir.toString()));
        return cmd;
    }

    @Override
    public List<String> notes(Set<Mitigation> mitigations) {
        List<String> out = new ArrayList<>();
        out.add("nbd-fuse always applies FUSE direct_io to a local read-write mount, and its own memory cgroup"
                + " (here a child of the daemons' cgroup, so charged to the same limit)");
        if (mitigations.contains(Mitigation.MLOCKALL)) {
            out.add("mlockall: nbd-fuse only; nbd-server has no such option");
        }
        return out;
    }

    private static List<String> java() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        return cmd;
    }
}
