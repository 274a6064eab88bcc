package io.nbdtk.testkit;

import io.nbdtk.server.filter.RecordedRequest;
import io.nbdtk.server.filter.Recording;
import java.util.List;

/** The recorded requests of one running server, in-process or in a container. */
public interface Traffic {

    /** A snapshot of every request since the start or the last {@link #clear}, in order of arrival. */
    List<RecordedRequest> requests();

    /** Forgets what was recorded. */
    void clear();

    /** The snapshot as JSON (an array of {@link RecordedRequest} objects). */
    default String toJson() {
        return Recording.toJson(requests());
    }
}
