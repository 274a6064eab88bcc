package io.nbdtk.lab.run;

import java.util.List;
import java.util.stream.Collectors;

/** The Markdown page written by {@code deadlock-lab matrix}. */
final class MatrixTable {
    private MatrixTable() {}

    static String markdown(List<List<RunResult>> cells, RunOptions o, String date) {
        StringBuilder b = new StringBuilder();
        b.append("# deadlock-lab matrix\n\n");
        b.append("Written by `deadlock-lab matrix` on ").append(date).append(" (")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
                .append(", ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs). Every cell: writer cgroup limit ")
                .append(o.memoryLimitMiB != null ? o.memoryLimitMiB + " MiB" : "128 MiB (nbdkit+nbdfuse) or 256 MiB (nbdtk)")
                .append(", ").append(o.writeMiB).append(" MiB written with `dd bs=1M conv=fsync`, stall window ")
                .append(o.stallSeconds).append(" s, deadline ").append(o.deadlineSeconds).append(" s. ")
                .append("How to read it and how the verdicts are decided: [deadlock-lab.md](deadlock-lab.md).\n\n");
        b.append("| scenario | stack | mitigations | verdict | written (MiB) | time (s) | longest pause (s) | reclaim-waits-on-writeback in a daemon | released by / reason |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (List<RunResult> cell : cells) {
            RunResult first = cell.get(0);
            b.append("| ").append(first.spec().scenario().cliName())
                    .append(" | ").append(first.spec().stack().name())
                    .append(" | ").append(Mitigation.describe(first.spec().mitigations()))
                    .append(" | ").append(join(cell, r -> "**" + r.verdict().cliName() + "**"))
                    .append(" | ").append(join(cell, r -> r.verdict() == Verdict.NOT_RUN ? "-" : Long.toString(r.writtenBytes() >> 20)))
                    .append(" | ").append(join(cell, r -> r.verdict() == Verdict.NOT_RUN ? "-" : String.format("%.1f", r.seconds())))
                    .append(" | ").append(join(cell, r -> r.verdict() == Verdict.NOT_RUN ? "-" : String.format("%.1f", r.maxPauseSeconds())))
                    .append(" | ").append(join(cell, r -> r.verdict() == Verdict.DEADLOCKED ? (r.reclaimSignature() ? "yes" : "no") : "-"))
                    .append(" | ").append(escape(cell.stream()
                            .map(r -> r.verdict() == Verdict.DEADLOCKED ? "released by " + r.releasedBy() : r.reason())
                            .distinct().collect(Collectors.joining("; "))))
                    .append(" |\n");
        }
        b.append("\nSeveral values in one cell are repeated runs, in order. Every run ended with its cleanup ")
                .append(cells.stream().flatMap(List::stream).allMatch(RunResult::cleanedUp)
                        ? "complete (no mounts, loop devices, processes or cgroups left).\n"
                        : "**incomplete in at least one run**; see the JSON.\n");
        return b.toString();
    }

    private static String join(List<RunResult> cell, java.util.function.Function<RunResult, String> f) {
        return cell.stream().map(f).collect(Collectors.joining(", "));
    }

    private static String escape(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
