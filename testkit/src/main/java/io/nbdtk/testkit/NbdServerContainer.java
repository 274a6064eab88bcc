package io.nbdtk.testkit;

import io.nbdtk.server.filter.FaultRule;
import io.nbdtk.server.filter.FaultSpec;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.LazyFuture;
import org.testcontainers.utility.MountableFile;

/**
 * Our NBD server in a container, for clients that must reach it over a real network (or that
 * run in other containers). Same fluent shape as the in-process {@link NbdServerExtension}:
 *
 * <pre>{@code
 * @Container
 * static NbdServerContainer nbd = new NbdServerContainer().withExport("disk", 64 << 20);
 * ...
 * URI uri = nbd.getUri("disk");                       // nbd://localhost:PORT/disk
 * nbd.faults().add(Faults.on(READ).nth(2).error("EIO"));
 * NbdAssertions.assertThat(nbd.traffic()).hasFlushAfterLastWrite();
 * }</pre>
 *
 * The image is built from the server jar on the base image of {@link BaseImage} and cached by
 * content. Start-up waits for a real NBD handshake on the first export. Faults and recordings
 * travel over the server's control channel (a second exposed port).
 */
public class NbdServerContainer extends GenericContainer<NbdServerContainer> {
    public static final int NBD_PORT = 10809;
    public static final int CONTROL_PORT = 10810;
    private static final String DATA_DIR = "/data/";

    private final Map<String, String> exports = new LinkedHashMap<>();
    private final List<FaultRule> initialFaults = new ArrayList<>();
    private volatile ControlClient control;

    /** The server image built from the local server jar on {@link BaseImage#resolve()}. */
    public NbdServerContainer() {
        this(new LazyFuture<>() {
            @Override
            protected String resolve() {
                return ServerImage.resolve(ServerImage.jar(), BaseImage.resolve());
            }
        });
    }

    /** A server image built elsewhere (its entry point must be the {@code nbd-server} command). */
    public NbdServerContainer(String image) {
        super(image);
        addExposedPorts(NBD_PORT, CONTROL_PORT);
    }

    private NbdServerContainer(Future<String> image) {
        super(image);
        addExposedPorts(NBD_PORT, CONTROL_PORT);
    }

    /** A RAM export of {@code size} bytes, empty at start. */
    public NbdServerContainer withExport(String name, long size) {
        return export(name, "memory:" + size);
    }

    /** A file export created inside the container with {@code size} bytes. */
    public NbdServerContainer withFileExport(String name, long size) {
        return export(name, "file:" + DATA_DIR + name + ".img,size=" + size);
    }

    /** A file export holding a copy of {@code hostFile} (changes stay in the container). */
    public NbdServerContainer withFileExport(String name, Path hostFile) {
        String inContainer = DATA_DIR + name + ".img";
        withCopyFileToContainer(MountableFile.forHostPath(hostFile, 0644), inContainer);
        return export(name, "file:" + inContainer);
    }

    /** A read-only RAM export (reads as zeros). */
    public NbdServerContainer withReadOnlyExport(String name, long size) {
        return withExport(name, size).withReadOnly(name);
    }

    /** Makes an export declared before read-only. */
    public NbdServerContainer withReadOnly(String name) {
        String spec = exports.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("no export '" + name + "' declared yet");
        }
        exports.put(name, spec + ",readonly");
        return self();
    }

    /** Faults in force from the first connection on (later changes go through {@link #faults()}). */
    public NbdServerContainer withFaults(FaultRule... rules) {
        initialFaults.addAll(Arrays.asList(rules));
        return self();
    }

    private NbdServerContainer export(String name, String spec) {
        if (name.contains("=") || name.contains(",")) {
            throw new IllegalArgumentException("export names here cannot contain '=' or ',': " + name);
        }
        if (exports.putIfAbsent(name, spec) != null) {
            throw new IllegalArgumentException("export '" + name + "' declared twice");
        }
        return self();
    }

    @Override
    protected void configure() {
        if (exports.isEmpty()) {
            throw new IllegalStateException("declare at least one export (withExport, withFileExport)");
        }
        List<String> cmd = new ArrayList<>(List.of("--listen", "0.0.0.0:" + NBD_PORT,
                "--control", "0.0.0.0:" + CONTROL_PORT));
        exports.forEach((name, spec) -> {
            cmd.add("--export");
            cmd.add(name + "=" + spec);
        });
        if (!initialFaults.isEmpty()) {
            cmd.add("--faults");
            cmd.add(FaultSpec.format(initialFaults).replace('\n', ';'));
        }
        setCommand(cmd.toArray(new String[0]));
        waitingFor(new NbdHandshakeWaitStrategy(NBD_PORT, exports.keySet().iterator().next()));
    }

    /** {@code nbd://HOST:PORT/EXPORT} as reachable from this JVM's host. */
    public URI getUri(String export) {
        if (!exports.containsKey(export)) {
            throw new IllegalArgumentException("no export '" + export + "' (declared: " + exports.keySet() + ")");
        }
        return URI.create("nbd://" + getHost() + ":" + getNbdPort() + "/" + export);
    }

    /** The host port mapped to the container's NBD port. */
    public int getNbdPort() {
        return getMappedPort(NBD_PORT);
    }

    /** The faults of the running server, over its control channel. */
    public FaultControl faults() {
        return control();
    }

    /** The recorded traffic of the running server, over its control channel. */
    public Traffic traffic() {
        return control().traffic();
    }

    private ControlClient control() {
        String host = getHost();
        int port = getMappedPort(CONTROL_PORT);
        ControlClient c = control;
        if (c == null || !c.reaches(host, port)) {
            c = new ControlClient(host, port);
            control = c;
        }
        return c;
    }
}
