package io.nbdtk.lab.check;

import io.nbdtk.lab.sys.LocalAddresses;
import io.nbdtk.lab.sys.ProcFs;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Find writable mounts whose writeback ends at a userland daemon on this machine",
                "(FUSE daemons, NBD servers behind loop/dm/md/nbd devices).",
                "Exit status: 0 no unprotected chain, 1 hazard found, 2 error."})
public final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the findings as JSON.")
    boolean json;

    @Option(names = "--root", defaultValue = "/", description = "Root under which proc/ and sys/ are read (default: ${DEFAULT-VALUE}).")
    Path root;

    @Option(names = "--mount-namespace-of", defaultValue = "self", paramLabel = "PID",
            description = "Read the mount table of this process (default: ${DEFAULT-VALUE}).")
    String mountPid;

    @Option(names = "--snapshot", paramLabel = "FILE",
            description = "Also write this machine's snapshot (addresses, ports, remote read-write dependencies) for --hosts.")
    Path snapshot;

    @Option(names = "--hosts", paramLabel = "SNAPSHOT", arity = "1..*",
            description = "Merge snapshots of several machines and report cycles in their read-write dependency graph.")
    List<Path> hosts;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (hosts != null) {
            List<HostSnapshot> snapshots = new ArrayList<>();
            for (Path h : hosts) {
                snapshots.add(HostSnapshot.parse(Files.readString(h)));
            }
            HostGraph graph = new HostGraph(snapshots);
            out.print(json ? graph.toJson() : graph.toText());
            out.flush();
            return graph.cycles().isEmpty() ? CheckReport.EXIT_SAFE : CheckReport.EXIT_HAZARD;
        }
        HazardScanner scanner = new HazardScanner(root, mountPid);
        CheckReport report = new CheckReport(scanner.scan());
        if (snapshot != null) {
            String host = new ProcFs(root).read(root.resolve("proc/sys/kernel/hostname")).orElse("localhost").trim();
            Files.writeString(snapshot, HostSnapshot.of(host, LocalAddresses.read(new ProcFs(root)),
                    scanner.sockets().listeningPorts(), report, scanner.remotes()).toJson());
        }
        out.print(json ? report.toJson() : report.toText());
        out.flush();
        return report.exitCode();
    }
}
