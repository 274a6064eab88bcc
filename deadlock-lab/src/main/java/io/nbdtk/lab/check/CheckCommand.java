package io.nbdtk.lab.check;

import java.io.PrintWriter;
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

    @Override
    public Integer call() throws Exception {
        CheckReport report = new CheckReport(new HazardScanner(root, mountPid).scan());
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? report.toJson() : report.toText());
        out.flush();
        return report.exitCode();
    }
}
