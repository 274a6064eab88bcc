package io.nbdtk.testkit;

import io.nbdtk.server.filter.RecordedRequest;
import io.nbdtk.server.filter.Recording;
import java.util.List;

/** {@link Traffic} of an in-process server. */
final class LocalTraffic implements Traffic {
    private final Recording recording;

    LocalTraffic(Recording recording) {
        this.recording = recording;
    }

    @Override
    public List<RecordedRequest> requests() {
        return recording.requests();
    }

    @Override
    public void clear() {
        recording.clear();
    }
}
