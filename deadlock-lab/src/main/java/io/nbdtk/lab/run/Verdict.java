package io.nbdtk.lab.run;

import java.util.Locale;

/** What the evidence says happened to the writer. */
public enum Verdict {
    /** The writer finished (fsync included) without a long pause. */
    COMPLETED,
    /** The writer stopped making progress for a while but finished by itself. */
    STALLED,
    /** The writer was stuck with blocked threads and only intervention released it. */
    DEADLOCKED,
    /** The writer exited with an error. */
    FAILED,
    /** The deadline came while the writer was still making (slow) progress. */
    TIMEOUT,
    /** The run could not be set up (missing prerequisite, unsupported mitigation, setup error). */
    NOT_RUN;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
