package io.nbdtk.server.cli;

import io.nbdtk.protocol.Version;
import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.FilterSpec;
import io.nbdtk.server.HandshakePolicy;
import io.nbdtk.server.NbdServer;
import io.nbdtk.server.Sizes;
import io.nbdtk.server.control.ControlServer;
import io.nbdtk.server.control.Instrumentation;
import io.nbdtk.server.filter.FaultSpec;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code nbd-server} command: serves memory and file exports over TCP and Unix sockets. */
@Command(name = "nbd-server", mixinStandardHelpOptions = true, versionProvider = NbdServerCommand.VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Serves block devices over the Network Block Device protocol (fixed newstyle, "
                + "structured replies, block status, extended headers).",
        footer = {"", "Examples:",
            "  nbd-server --listen 127.0.0.1:10809 --export disk=memory:1G",
            "  nbd-server --unix /tmp/nbd.sock --export img=file:/var/tmp/disk.img,readonly,description=Golden image",
            "  nbd-server --listen [::1]:0 --export d=memory:64M --filter error:error=EIO,rate=1%%,ops=read,seed=1"})
public final class NbdServerCommand implements Callable<Integer> {
    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "TCP address to listen on (repeatable; port 0 picks a free port; IPv6 as [::1]:PORT).")
    List<String> listen = new ArrayList<>();

    @Option(names = "--unix", paramLabel = "PATH", description = "Unix socket to listen on (repeatable).")
    List<Path> unix = new ArrayList<>();

    @Option(names = "--export", paramLabel = "NAME=SPEC[,OPT...]", required = true,
            description = "Export (repeatable). SPEC: memory:SIZE | file:PATH. OPT: readonly, description=TEXT "
                    + "(last), size=SIZE (create a missing file), block-size=N, notrim, noflush, rotational, "
                    + "nomulticonn. The first export is also the default export \"\".")
    List<String> exports = new ArrayList<>();

    @Option(names = "--filter", paramLabel = "KIND:PARAMS",
            description = "Filter stacked on every export (repeatable, innermost first): "
                    + "error:error=EIO,rate=0.1,ops=read+write,seed=N | delay:read=10ms,write=5ms,...")
    List<String> filters = new ArrayList<>();

    @Option(names = "--max-payload", paramLabel = "SIZE", defaultValue = "64M",
            description = "Largest READ/WRITE payload accepted and advertised (default ${DEFAULT-VALUE}).")
    String maxPayload;

    @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "64",
            description = "Requests served concurrently per connection (default ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--handshake-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Drop clients that have not finished the handshake after this long (default ${DEFAULT-VALUE}).")
    double handshakeTimeout;

    @Option(names = "--faults", paramLabel = "RULES",
            description = "Fault injection (docs/testkit.md), e.g. 'error=EIO,ops=read,nth=3; delay=10ms,ops=write; "
                    + "hide=multi-conn'. Every request is also recorded.")
    String faults;

    @Option(names = "--control", paramLabel = "HOST:PORT",
            description = "Serve the control channel here: change faults, read the recording (HTTP, no "
                    + "authentication: loopback or a private network only).")
    String control;

    private final PrintStream err;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile NbdServer server;
    volatile ControlServer controlServer;

    public NbdServerCommand() {
        this(System.err);
    }

    NbdServerCommand(PrintStream err) {
        this.err = err;
    }

    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.logFile") == null) {
            System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        }
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        System.exit(commandLine(new NbdServerCommand()).execute(args));
    }

    /** The picocli command with errors reported as one line (no stack trace) and exit code 1. */
    static CommandLine commandLine(NbdServerCommand command) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            command.err.println("nbd-server: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 1;
        });
        return cl;
    }

    /** Builds and starts the server (without waiting); used by {@link #call()} and tests. */
    NbdServer start() throws Exception {
        NbdServer.Builder b = NbdServer.builder()
                .maxPayload(Sizes.parse(maxPayload))
                .maxInFlight(maxInFlight)
                .handshakeTimeout(Duration.ofMillis((long) (handshakeTimeout * 1000)));
        List<FilterSpec> fs = new ArrayList<>();
        for (String f : filters) {
            fs.add(FilterSpec.parse(f));
        }
        for (String e : exports) {
            b.export(ExportSpec.parse(e).withFilters(fs));
        }
        if (listen.isEmpty() && unix.isEmpty()) {
            listen.add("127.0.0.1:10809");
        }
        for (String l : listen) {
            b.listen(parseHostPort(l));
        }
        for (Path u : unix) {
            b.unix(u);
        }
        Instrumentation inst = null;
        if (faults != null || control != null) {
            inst = new Instrumentation();
            inst.faults().set(FaultSpec.parse(faults == null ? "" : faults));
            b.hook(inst).policy(inst.policy(HandshakePolicy.OPEN));
        }
        NbdServer s = b.start();
        if (control != null) {
            Instrumentation i = inst;
            try {
                controlServer = ControlServer.start(parseHostPort(control), i.faults(), i.recording(),
                        () -> i.awaitQuiet(Duration.ofSeconds(5)));
            } catch (java.io.IOException | RuntimeException e) {
                s.close();
                throw e;
            }
            err.println("nbd-server: control channel on " + format(controlServer.address()));
        }
        for (SocketAddress a : s.addresses()) {
            err.println("nbd-server: listening on " + format(a));
        }
        err.flush();
        server = s;
        return s;
    }

    @Override
    public Integer call() throws Exception {
        NbdServer s = start();
        Thread hook = new Thread(() -> {
            err.println("nbd-server: stopping (finishing in-flight requests, flushing exports)");
            if (controlServer != null) {
                controlServer.close();
            }
            s.close();
            stopped.countDown();
        }, "nbd-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        return 0;
    }

    static String format(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        return "unix:" + a;
    }

    /** "HOST:PORT", "[V6]:PORT" or ":PORT" (all addresses). */
    static InetSocketAddress parseHostPort(String s) throws UnknownHostException {
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--listen wants HOST:PORT, got '" + s + "'");
        }
        String host = s.substring(0, colon);
        int port = Integer.parseInt(s.substring(colon + 1));
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || host.equals("*")) {
            return new InetSocketAddress(port);
        }
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    /** Prints {@code nbd-server (nbdtk) VERSION}. */
    public static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"nbd-server (nbdtk) " + Version.get()};
        }
    }
}
