package io.nbdtk.lab.run;

import java.util.List;

/**
 * The outcome of one experiment with its evidence; {@code runId} names its cgroups, scratch
 * directory and journal. {@code maxPauseSeconds} is the longest time
 * the writer made no progress; {@code stacks} are the kernel stacks of the blocked threads at the
 * moment the lab declared a deadlock; {@code releasedBy} names the recovery step after which the
 * writer moved again (or "abort" when only the FUSE abort released it).
 */
public record RunResult(String runId, RunSpec spec, Verdict verdict, String reason, double seconds, long writtenBytes,
        double maxPauseSeconds, boolean reclaimSignature, List<String> stacks, String releasedBy,
        List<Sample> timeline, List<Recovery.Step> recovery, boolean cleanedUp, List<String> notes) {
}
