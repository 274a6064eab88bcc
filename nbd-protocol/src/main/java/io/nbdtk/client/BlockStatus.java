package io.nbdtk.client;

import io.nbdtk.protocol.Extent;
import java.util.List;
import java.util.Map;

/**
 * The answer to one BLOCK_STATUS request: for each selected metadata context, consecutive extents
 * starting at {@code offset} (the last may run past the requested length, as the spec allows).
 */
public record BlockStatus(long offset, Map<String, List<Extent>> extents) {
    public BlockStatus {
        extents = Map.copyOf(extents);
    }

    /** The extents of one context, e.g. {@code base:allocation}; empty if it was not answered. */
    public List<Extent> of(String context) {
        return extents.getOrDefault(context, List.of());
    }
}
