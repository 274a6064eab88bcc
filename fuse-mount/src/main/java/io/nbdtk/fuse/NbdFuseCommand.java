package io.nbdtk.fuse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.nbdtk.protocol.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nbd-fuse}: NBD exports as plain files in a directory. See docs/nbd-fuse.md. */
@Command(name = "nbd-fuse", mixinStandardHelpOptions = true, versionProvider = NbdFuseCommand.VersionInfo.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Mounts NBD exports as regular files in MOUNTPOINT (one file per export) over FUSE.",
            "URI: nbd://HOST[:PORT]/EXPORT, nbds://..., nbd+unix:///EXPORT?socket=PATH.",
            "Unmount with Ctrl-C, SIGTERM or 'fusermount -u MOUNTPOINT'."},
        subcommands = {ListCommand.class, InfoCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:mounted and unmounted cleanly", "1:error (connection, mount, I/O)",
            "2:usage error, or a local read-write mount refused (see --allow-local-rw)"})
public final class NbdFuseCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..2", paramLabel = "URI MOUNTPOINT",
            description = "The server's NBD URI and an existing directory (with --demo: only the directory).")
    List<String> positional = new ArrayList<>();

    @Option(names = {"-r", "--readonly"}, description = "Mount read-only (files are 0444; writes fail with EROFS).")
    boolean readOnly;

    @Option(names = "--all", description = "Show every export the server lists (the default export as 'default').")
    boolean all;

    @Option(names = {"-C", "--connections"}, defaultValue = "4",
            description = "NBD connections per export when the server allows multi-conn (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--request-timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "A request unanswered this long fails with EIO and the connection is redone (default: ${DEFAULT-VALUE}).")
    int requestTimeoutSeconds;

    @Option(names = "--reconnect-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "While the server is away, how long a request waits for the reconnection before EIO (default: ${DEFAULT-VALUE}).")
    int reconnectTimeoutSeconds;

    @Option(names = {"-P", "--pidfile"}, paramLabel = "FILE", description = "Write the process id here once the mount answers.")
    Path pidFile;

    @Option(names = {"-f", "--foreground"},
            description = "Accepted for nbdfuse compatibility: nbd-fuse always stays in the foreground.")
    boolean foreground;

    @Option(names = {"-o"}, paramLabel = "FUSE-OPTION", split = ",",
            description = "Passed to libfuse (e.g. allow_other, uid=N, gid=N).")
    List<String> fuseOptions = new ArrayList<>();

    @Option(names = "--direct-io", description = "Bypass the page cache for the files (always on for local read-write mounts).")
    boolean directIo;

    @Option(names = "--lazy-unmount", description = "On Ctrl-C/SIGTERM, detach a busy mount instead of refusing to unmount it.")
    boolean lazyUnmount;

    @Option(names = "--allow-local-rw",
            description = "Mount read-write even when the server runs on this machine, with the loopback mitigations (docs/nbd-fuse.md).")
    boolean allowLocalRw;

    @Option(names = "--memory-cgroup-parent", paramLabel = "GROUP", defaultValue = "/",
            description = "Where the daemon's own memory cgroup is created for local read-write mounts (default: the root of the hierarchy).")
    String cgroupParent;

    @Option(names = "--no-mlock", description = "Do not mlockall() for local read-write mounts.")
    boolean noMlock;

    @Option(names = "--demo",
            description = "Start an embedded nbdtk server with an in-memory export 'demo' and mount it (local, so mitigated).")
    boolean demo;

    @Option(names = "--demo-size", defaultValue = "256M", paramLabel = "SIZE",
            description = "Size of the --demo export (default: ${DEFAULT-VALUE}).")
    String demoSize;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "kernel",
            converter = EngineConverter.class,
            description = "FUSE engine: 'kernel' (nbd-fuse's own, on /dev/fuse: async direct I/O, 1 MiB requests;"
                    + " the default) or 'libfuse2' (jnr-fuse; 128 KiB requests, one direct I/O per file).")
    FuseEngine engine;

    static final class EngineConverter implements CommandLine.ITypeConverter<FuseEngine> {
        @Override
        public FuseEngine convert(String value) {
            return switch (value) {
                case "kernel" -> FuseEngine.KERNEL;
                case "libfuse2" -> FuseEngine.LIBFUSE2;
                default -> throw new CommandLine.TypeConversionException("expected 'kernel' or 'libfuse2', got '" + value + "'");
            };
        }
    }

    @Option(names = {"-v", "--verbose"}, description = "Say more about unmounting.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new NbdFuseCommand());
        // a failed connection or mount is a message for the user, not a stack trace
        cl.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            commandLine.getErr().println("nbd-fuse: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        });
        return cl;
    }

    static final class VersionInfo implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"nbd-fuse (nbdtk) " + Version.get()};
        }
    }

    @Override
    public Integer call() throws Exception {
        if (demo) {
            if (positional.size() != 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--demo takes only MOUNTPOINT");
            }
            long size;
            try {
                size = Sizes.parse(demoSize);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--demo-size: " + e.getMessage());
            }
            try (ExportSource source = new DemoExportSource(size, clientSettings())) {
                return runner().run(source, Path.of(positional.get(0)), true);
            }
        }
        if (positional.size() != 2) {
            throw new CommandLine.ParameterException(spec.commandLine(), "expected URI MOUNTPOINT");
        }
        try (ExportSource source = new NbdExportSource(positional.get(0), all, clientSettings())) {
            return runner().run(source, Path.of(positional.get(1)), false);
        }
    }

    ClientSettings clientSettings() {
        return new ClientSettings(readOnly, connections, Duration.ofSeconds(requestTimeoutSeconds),
                Duration.ofSeconds(reconnectTimeoutSeconds));
    }

    MountRunner runner() {
        return new MountRunner(new MountRunner.Settings(readOnly, allowLocalRw, directIo, lazyUnmount, !noMlock,
                fuseOptions, Path.of("/sys/fs/cgroup"), cgroupParent, pidFile, verbose, engine), spec.commandLine().getOut(),
                spec.commandLine().getErr());
    }
}
