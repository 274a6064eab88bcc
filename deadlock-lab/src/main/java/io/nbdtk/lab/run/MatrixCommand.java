package io.nbdtk.lab.run;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "matrix", mixinStandardHelpOptions = true,
        description = {"Run scenarios x stacks x mitigations, each cell bounded and cleaned up, and write a",
                "Markdown table (default docs/deadlock-matrix.md).",
                "Exit status: 0 when every cell cleaned up, 3 otherwise."})
public final class MatrixCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--scenarios", defaultValue = "loop-ext4,fuse-file", split = ",")
    List<String> scenarios;

    @Option(names = "--stacks", defaultValue = PeerStack.NAME, split = ",", description = "default: ${DEFAULT-VALUE}")
    List<String> stacks;

    @Option(names = "--variants", defaultValue = "none;separate-cgroup;mlockall;loop-dio;separate-cgroup,mlockall;io-flusher;fuse-direct-io",
            split = ";", paramLabel = "LIST;LIST", description = "mitigation sets, ';'-separated (default: ${DEFAULT-VALUE})")
    List<String> variants;

    @Option(names = "--repeat", defaultValue = "1", description = "runs per cell (default: ${DEFAULT-VALUE})")
    int repeat;

    @Option(names = "--output", defaultValue = "docs/deadlock-matrix.md", paramLabel = "FILE")
    Path output;

    @Option(names = "--json", paramLabel = "FILE", description = "also write every result (with timelines) as JSON")
    Path json;

    @Mixin
    RunOptions options;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<List<RunResult>> cells = new ArrayList<>();
        List<RunResult> all = new ArrayList<>();
        for (String scenarioName : scenarios) {
            Scenario scenario = Scenario.parse(scenarioName);
            for (String stackName : stacks) {
                for (String variant : variants) {
                    Set<Mitigation> mitigations = Mitigation.parse(variant);
                    if (mitigations.contains(Mitigation.LOOP_DIRECT_IO) && scenario != Scenario.LOOP_EXT4) {
                        continue; // meaningless combination
                    }
                    List<RunResult> cell = new ArrayList<>();
                    for (int i = 0; i < repeat; i++) {
                        RunSpec runSpec = options.spec(scenario, StackNames.byName(stackName), mitigations);
                        RunResult r = new Experiment(runSpec, Path.of("/"), HostActions.REAL).run();
                        out.printf("%-9s %-15s %-26s %-10s %s%n", scenario.cliName(), stackName,
                                Mitigation.describe(mitigations), r.verdict().cliName(), r.reason());
                        out.flush();
                        cell.add(r);
                        all.add(r);
                        if (r.verdict() == Verdict.NOT_RUN) {
                            break; // repeating a cell that cannot run shows nothing new
                        }
                    }
                    cells.add(cell);
                }
            }
        }
        Files.writeString(output, MatrixTable.markdown(cells, options, LocalDate.now(ZoneOffset.UTC).toString()));
        out.println("wrote " + output);
        if (json != null) {
            Files.writeString(json, RunReport.json(all));
        }
        return all.stream().allMatch(RunResult::cleanedUp) ? 0 : 3;
    }
}
