package io.nbdtk.testkit;

import io.nbdtk.server.filter.RecordedRequest;
import java.util.List;

/** Entry point of the recording assertions: {@code NbdAssertions.assertThat(nbd.traffic())}. */
public final class NbdAssertions {
    private NbdAssertions() {}

    /** Assertions on a snapshot of the traffic taken now. */
    public static RecordingAssert assertThat(Traffic traffic) {
        return new RecordingAssert(traffic.requests());
    }

    public static RecordingAssert assertThat(List<RecordedRequest> requests) {
        return new RecordingAssert(requests);
    }
}
