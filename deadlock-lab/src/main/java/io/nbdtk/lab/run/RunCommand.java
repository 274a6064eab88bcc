package io.nbdtk.lab.run;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Build a local read-write loopback stack, put the writer under memory pressure, watch,",
                "give a verdict from evidence and always tear everything down.",
                "Exit status: 0 completed, 1 stalled/deadlocked/failed/timeout, 2 not run or error,",
                "3 cleanup incomplete (run 'deadlock-lab cleanup')."})
public final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", defaultValue = "loop-ext4", paramLabel = "SCENARIO",
            description = "loop-ext4 (ext4 on loop on the FUSE file) or fuse-file (dd onto the FUSE file)")
    String scenario;

    @Option(names = "--stack", defaultValue = PeerStack.NAME, description = "server + FUSE daemon (default: ${DEFAULT-VALUE})")
    String stack;

    @Option(names = {"-m", "--mitigations"}, defaultValue = "none", paramLabel = "LIST",
            description = "none, or a comma list of separate-cgroup, mlockall, io-flusher, loop-dio, fuse-direct-io")
    String mitigations;

    @Option(names = "--json", description = "print the result as JSON (with the timeline)")
    boolean json;

    @Option(names = "--html", paramLabel = "FILE", description = "also write an HTML report with a timeline plot")
    Path html;

    @Mixin
    RunOptions options;

    @Override
    public Integer call() throws IOException {
        RunSpec runSpec = options.spec(Scenario.parse(scenario), StackNames.byName(stack), Mitigation.parse(mitigations));
        RunResult r = new Experiment(runSpec, Path.of("/"), HostActions.REAL).run();
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? RunReport.json(r) : RunReport.text(r));
        if (html != null) {
            Files.writeString(html, HtmlReport.render(r));
        }
        out.flush();
        return exitCode(r);
    }

    static int exitCode(RunResult r) {
        if (!r.cleanedUp()) {
            return 3;
        }
        return switch (r.verdict()) {
            case COMPLETED -> 0;
            case NOT_RUN -> 2;
            default -> 1;
        };
    }
}
