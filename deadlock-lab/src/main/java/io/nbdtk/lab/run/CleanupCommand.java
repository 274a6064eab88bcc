package io.nbdtk.lab.run;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "cleanup", mixinStandardHelpOptions = true,
        description = {"Recover runs whose lab process died (e.g. SIGKILL): abort their FUSE connections,",
                "kill their processes, unmount, detach loops, remove cgroups and scratch files.",
                "Exit status: 0 nothing left, 1 something could not be cleaned."})
public final class CleanupCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--state-dir", defaultValue = "/run/nbdtk-deadlock-lab", paramLabel = "DIR",
            description = "where run journals live (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--force", description = "also recover runs whose lab process is still alive (a hung lab)")
    boolean force;

    @Override
    public Integer call() throws Exception {
        List<Cleanup.Outcome> outcomes = new Cleanup(Path.of("/"), HostActions.REAL).recover(stateDir, force);
        PrintWriter out = spec.commandLine().getOut();
        if (outcomes.isEmpty()) {
            out.println("no abandoned runs in " + stateDir);
        }
        for (Cleanup.Outcome o : outcomes) {
            out.println(o.journal() + ": " + (o.clean() ? "recovered" : "NOT fully recovered"));
            o.steps().forEach(s -> out.println("  " + s));
        }
        out.flush();
        return outcomes.stream().allMatch(Cleanup.Outcome::clean) ? 0 : 1;
    }
}
