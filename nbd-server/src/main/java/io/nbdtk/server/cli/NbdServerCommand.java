package io.nbdtk.server.cli;

import io.nbdtk.protocol.Version;
import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.FilterSpec;
import io.nbdtk.server.HandshakePolicy;
import io.nbdtk.server.NbdServer;
import io.nbdtk.server.Sizes;
import io.nbdtk.server.config.CliExport;
import io.nbdtk.server.config.ConfigReloader;
import io.nbdtk.server.config.ConfigWarning;
import io.nbdtk.server.config.DropInSetup;
import io.nbdtk.server.config.ServerSignals;
import io.nbdtk.server.control.ControlServer;
import io.nbdtk.server.control.Instrumentation;
import io.nbdtk.server.filter.FaultSpec;
import io.nbdtk.server.tls.TlsMode;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

    @Option(names = "--export", paramLabel = "NAME=SPEC[,OPT...]",
            description = "Export (repeatable). SPEC: memory:SIZE | file:PATH. OPT: readonly, description=TEXT "
                    + "(last), size=SIZE (create a missing file), block-size=N, notrim, noflush, rotational, "
                    + "nomulticonn; as in the config file (file exports; see docs/nbd-server-compat.md): copyonwrite, "
                    + "sparse_cow, cowdir=DIR, temporary, filesize=SIZE, sync; access (any export): authfile=PATH, "
                    + "maxconnections=N, tlsonly, timeout=SECONDS. The first export is also the default export \"\".")
    List<String> exports = new ArrayList<>();

    @Option(names = {"--config", "-C"}, paramLabel = "FILE",
            description = "Serve the exports of a reference nbd-server config file (man 5 nbd-server; -C as in the reference); see "
                    + "docs/nbd-server-compat.md. --listen/--unix, if given, replace its listen settings.")
    Path config;

    @Option(names = "--tls", paramLabel = "off|on|require",
            description = "TLS mode: off, on (STARTTLS offered; TLS-only exports need it) or require (nothing "
                    + "but STARTTLS before TLS). Default: on when a key is given, else off.")
    String tls;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Server certificate chain (default: the key file).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Server private key (PKCS#1, PKCS#8 or EC, unencrypted).")
    Path tlsKey;

    @Option(names = "--tls-ca", paramLabel = "PEM",
            description = "CA for client certificates: clients must present one it signed.")
    Path tlsCa;

    @Option(names = "--stats-json", paramLabel = "FILE",
            description = "Write per-export statistics (requests, bytes, errors, latency) as JSON to FILE on "
                    + "SIGUSR1 and at shutdown (they are also logged then).")
    Path statsJson;

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
    private DropInSetup dropInSetup;
    private ServerSignals signals;
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
        List<CliExport> cliExports = new ArrayList<>();
        for (String e : exports) {
            CliExport x = CliExport.parse(e);
            cliExports.add(x);
            b.export(x.spec().withFilters(fs));
        }
        boolean cliRules = cliExports.stream().anyMatch(x -> x.rules().isPresent());
        boolean dropIn = config != null || tls != null || tlsKey != null || cliRules;
        if (!dropIn && exports.isEmpty()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "give --export or --config");
        }
        if (dropIn) {
            DropInSetup setup = DropInSetup.create(Optional.ofNullable(config),
                    tls == null ? null : TlsMode.fromCli(tls), Optional.ofNullable(tlsCert),
                    Optional.ofNullable(tlsKey), Optional.ofNullable(tlsCa));
            for (ConfigWarning w : setup.warnings()) {
                err.println("nbd-server: warning: " + w);
            }
            for (ExportSpec spec : setup.exports()) {
                b.export(spec.withFilters(fs));
            }
            for (CliExport x : cliExports) {
                x.rules().ifPresent(r -> setup.policy().put(x.spec().name(), r));
            }
            b.policy(setup.policy());
            dropInSetup = setup;
            if (listen.isEmpty() && unix.isEmpty()) {
                for (SocketAddress a : setup.listenAddresses()) {
                    if (a instanceof InetSocketAddress inet) {
                        b.listen(inet);
                    } else {
                        b.unix(((java.net.UnixDomainSocketAddress) a).getPath());
                    }
                }
            }
        }
        if (listen.isEmpty() && unix.isEmpty() && config == null) {
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
            // wraps the TLS/ACL policy set above, if any
            b.hook(inst).policy(inst.policy(dropInSetup != null ? dropInSetup.policy() : HandshakePolicy.OPEN));
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
        Optional<ConfigReloader> reloader = Optional.empty();
        if (dropInSetup != null && dropInSetup.config().isPresent()) {
            reloader = Optional.of(new ConfigReloader(s, dropInSetup.policy(), dropInSetup.config().get(),
                    spec -> spec.withFilters(fs)));
        }
        signals = new ServerSignals(s, reloader, Optional.ofNullable(statsJson), err);
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
        signals.install();
        Thread hook = new Thread(() -> {
            err.println("nbd-server: stopping (finishing in-flight requests, flushing exports)");
            if (controlServer != null) {
                controlServer.close();
            }
            s.close();
            signals.report();
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
