package io.nbdtk.testkit;

import io.nbdtk.server.control.Instrumentation;
import io.nbdtk.server.filter.RecordedRequest;
import io.nbdtk.server.filter.Recording;
import java.time.Duration;
import java.util.List;

/** {@link Traffic} of an in-process server. */
final class LocalTraffic implements Traffic {
    /** How long a snapshot waits for replies already on their way to be recorded. */
    static final Duration SETTLE = Duration.ofSeconds(5);

    private final Recording recording;
    private final Instrumentation instrumentation;

    LocalTraffic(Instrumentation instrumentation) {
        this.recording = instrumentation.recording();
        this.instrumentation = instrumentation;
    }

    /** Over a bare recording (no server to settle). */
    LocalTraffic(Recording recording) {
        this.recording = recording;
        this.instrumentation = null;
    }

    @Override
    public List<RecordedRequest> requests() {
        if (instrumentation != null) {
            instrumentation.awaitQuiet(SETTLE);
        }
        return recording.requests();
    }

    @Override
    public void clear() {
        recording.clear();
    }
}
