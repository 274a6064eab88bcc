package io.nbdtk.lab.run;

import io.nbdtk.lab.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Human summary and JSON of one run. */
public final class RunReport {
    private RunReport() {}

    public static String text(RunResult r) {
        StringBuilder b = new StringBuilder();
        b.append("deadlock-lab run: ").append(r.spec().describe()).append('\n');
        b.append("verdict: ").append(r.verdict().cliName().toUpperCase()).append(" - ").append(r.reason()).append('\n');
        if (r.verdict() != Verdict.NOT_RUN) {
            b.append(String.format("written: %d MiB in %.1f s; longest pause %.1f s%n", r.writtenBytes() >> 20,
                    r.seconds(), r.maxPauseSeconds()));
        }
        if (r.verdict() == Verdict.DEADLOCKED) {
            b.append("released by: ").append(r.releasedBy()).append('\n');
            b.append("reclaim-waits-on-writeback signature in a daemon: ").append(r.reclaimSignature() ? "yes" : "no")
                    .append('\n');
        }
        if (!r.timeline().isEmpty()) {
            Sample peak = r.timeline().stream().max((x, y) -> Double.compare(x.psiFull10(), y.psiFull10())).get();
            long maxDirty = r.timeline().stream().mapToLong(s -> s.writerCgroup().dirtyBytes()).max().orElse(0);
            long maxWb = r.timeline().stream().mapToLong(s -> s.writerCgroup().writebackBytes()).max().orElse(0);
            b.append(String.format("writer cgroup: peak dirty %d MiB, peak writeback %d MiB, limit hits %d; "
                    + "memory PSI full avg10 peak %.2f%n", maxDirty >> 20, maxWb >> 20,
                    r.timeline().get(r.timeline().size() - 1).writerCgroup().limitHits(), peak.psiFull10()));
        }
        for (String s : r.stacks()) {
            b.append("--- blocked: ").append(s.strip()).append('\n');
        }
        for (String n : r.notes()) {
            b.append("note: ").append(n).append('\n');
        }
        if (!r.recovery().isEmpty()) {
            b.append("recovery:\n");
            for (Recovery.Step s : r.recovery()) {
                b.append("  ").append(s).append('\n');
            }
        }
        b.append("cleanup: ").append(r.cleanedUp() ? "nothing left behind" : "INCOMPLETE, run 'deadlock-lab cleanup'")
                .append('\n');
        return b.toString();
    }

    public static Map<String, Object> jsonMap(RunResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runId", r.runId());
        m.put("scenario", r.spec().scenario().cliName());
        m.put("stack", r.spec().stack().name());
        m.put("mitigations", r.spec().mitigations().stream().map(Mitigation::cliName).toList());
        m.put("memoryLimitMiB", r.spec().memoryLimitBytes() >> 20);
        m.put("writeMiB", r.spec().writeBytes() >> 20);
        m.put("verdict", r.verdict().cliName());
        m.put("reason", r.reason());
        m.put("seconds", Math.round(r.seconds() * 10) / 10.0);
        m.put("writtenMiB", r.writtenBytes() >> 20);
        m.put("maxPauseSeconds", Math.round(r.maxPauseSeconds() * 10) / 10.0);
        m.put("reclaimSignature", r.reclaimSignature());
        m.put("releasedBy", r.releasedBy().isEmpty() ? null : r.releasedBy());
        m.put("stacks", r.stacks());
        m.put("notes", r.notes());
        m.put("recovery", r.recovery().stream().map(Recovery.Step::toString).toList());
        m.put("cleanedUp", r.cleanedUp());
        m.put("timeline", r.timeline().stream().map(Sample::toJson).toList());
        return m;
    }

    public static String json(RunResult r) {
        return Json.write(jsonMap(r));
    }

    public static String json(List<RunResult> results) {
        return Json.write(results.stream().map(RunReport::jsonMap).toList());
    }
}
