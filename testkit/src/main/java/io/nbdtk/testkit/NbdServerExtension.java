package io.nbdtk.testkit;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.HandshakePolicy;
import io.nbdtk.server.NbdServer;
import io.nbdtk.server.control.Instrumentation;
import io.nbdtk.server.filter.FaultRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Our NBD server in this JVM, on a free loopback port, for the tests of a class:
 *
 * <pre>{@code
 * @RegisterExtension
 * static NbdServerExtension nbd = new NbdServerExtension().withExport("disk", 64 << 20);
 *
 * @Test
 * void survivesAReadError(FaultControl faults, Traffic traffic) throws Exception {
 *     faults.add(Faults.on(READ).nth(1).error("EIO"));
 *     try (NbdClient c = NbdClient.connect(nbd.uri("disk").toString())) { ... }
 *     NbdAssertions.assertThat(traffic).hasCount(READ, 2);
 * }
 * }</pre>
 *
 * A static field starts the server once for the class, an instance field once per test. Before
 * every test the faults go back to those of {@link #withFaults} (none by default) and the
 * recording is forgotten (the exports keep their data).
 * Test methods can take {@link NbdServerExtension}, {@link NbdServer}, {@link FaultControl} or
 * {@link Traffic} parameters. Outside JUnit, {@link #start()} and {@link #close()} work too.
 */
public final class NbdServerExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver, AutoCloseable {
    private static final Set<Class<?>> INJECTABLE = Set.of(NbdServerExtension.class, NbdServer.class,
            FaultControl.class, Traffic.class);

    private final Map<String, ExportSpec> exports = new LinkedHashMap<>();
    private final List<FileSystem> fileSystems = new ArrayList<>();
    private final List<Path> tempFiles = new ArrayList<>();
    private final List<FaultRule> initialFaults = new ArrayList<>();
    private final Instrumentation instrumentation = new Instrumentation();
    private final FaultControl faults = new LocalFaultControl(instrumentation.faults());
    private final Traffic traffic = new LocalTraffic(instrumentation);
    private NbdServer server;
    private boolean startedPerClass;

    /** A RAM export of {@code size} bytes, empty at start. */
    public NbdServerExtension withExport(String name, long size) {
        return export(ExportSpec.of(name, new ExportSpec.Memory(size)));
    }

    /** An export backed by an existing file (its size is the file's). */
    public NbdServerExtension withFileExport(String name, Path file) {
        return export(ExportSpec.of(name, new ExportSpec.File(file, 0)));
    }

    /** An export backed by a new sparse temporary file of {@code size} bytes (deleted at {@link #close()}). */
    public NbdServerExtension withFileExport(String name, long size) {
        try {
            Path file = Files.createTempFile("nbdtk-" + name.replaceAll("[^A-Za-z0-9_.-]", "_") + "-", ".img");
            tempFiles.add(file);
            try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(size);
            }
            return withFileExport(name, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An export backed by a file of {@code size} bytes in an in-memory file system (jimfs). */
    public NbdServerExtension withJimfsExport(String name, long size) {
        FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
        fileSystems.add(fs);
        Path file = fs.getPath("/" + name + ".img");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            if (size > 0) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[1]), size - 1); // sets the size
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return withFileExport(name, file);
    }

    /** Makes an export declared before read-only. */
    public NbdServerExtension withReadOnly(String name) {
        ExportSpec spec = exports.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("no export '" + name + "' declared yet");
        }
        exports.put(name, spec.withReadOnly(true));
        return this;
    }

    /** A read-only RAM export (reads as zeros). */
    public NbdServerExtension withReadOnlyExport(String name, long size) {
        return withExport(name, size).withReadOnly(name);
    }

    /** Faults in force from the start, and again after each reset between tests. */
    public NbdServerExtension withFaults(FaultRule... rules) {
        initialFaults.addAll(List.of(rules));
        faults.set(initialFaults);
        return this;
    }

    private NbdServerExtension export(ExportSpec spec) {
        if (server != null) {
            throw new IllegalStateException("the server is already running; declare exports before it starts");
        }
        if (exports.putIfAbsent(spec.name(), spec) != null) {
            throw new IllegalArgumentException("export '" + spec.name() + "' declared twice");
        }
        return this;
    }

    /** Starts the server (JUnit does this for you). */
    public NbdServerExtension start() {
        if (server != null) {
            return this;
        }
        if (exports.isEmpty()) {
            throw new IllegalStateException("declare at least one export (withExport, withFileExport, ...)");
        }
        NbdServer.Builder b = NbdServer.builder().listenLoopback().hook(instrumentation)
                .policy(instrumentation.policy(HandshakePolicy.OPEN));
        exports.values().forEach(b::export);
        try {
            server = b.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the NBD server", e);
        }
        return this;
    }

    /** Stops the server: stalled requests are released, in-flight ones finish. */
    @Override
    public void close() {
        faults.clear();
        if (server != null) {
            server.close();
            server = null;
        }
        for (FileSystem fs : fileSystems) {
            try {
                fs.close();
            } catch (IOException ignored) {
                // an in-memory file system has nothing left to lose
            }
        }
        fileSystems.clear();
        for (Path p : tempFiles) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temporary file left behind is harmless
            }
        }
        tempFiles.clear();
    }

    /** {@code nbd://127.0.0.1:PORT/EXPORT}. */
    public URI uri(String export) {
        if (!exports.containsKey(export)) {
            throw new IllegalArgumentException("no export '" + export + "' (declared: " + exports.keySet() + ")");
        }
        return URI.create("nbd://" + host() + ":" + port() + "/" + export);
    }

    public String host() {
        return address().getAddress().getHostAddress();
    }

    public int port() {
        return address().getPort();
    }

    private InetSocketAddress address() {
        if (server == null) {
            throw new IllegalStateException("the NBD server is not running");
        }
        return server.tcpAddress();
    }

    /** The running server (its exports, connection count, ...). */
    public NbdServer server() {
        address();
        return server;
    }

    public FaultControl faults() {
        return faults;
    }

    public Traffic traffic() {
        return traffic;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
        startedPerClass = true;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        start();
        faults.set(initialFaults);
        traffic.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        faults.clear(); // never leave a request stalled behind a finished test
        if (!startedPerClass) {
            close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) throws ParameterResolutionException {
        return INJECTABLE.contains(p.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) throws ParameterResolutionException {
        Class<?> type = p.getParameter().getType();
        if (type == NbdServerExtension.class) {
            return this;
        }
        if (type == FaultControl.class) {
            return faults;
        }
        if (type == Traffic.class) {
            return traffic;
        }
        start();
        return server;
    }
}
