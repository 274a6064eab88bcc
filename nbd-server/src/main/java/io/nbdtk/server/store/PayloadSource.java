package io.nbdtk.server.store;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a WRITE payload comes from when a store receives it straight into its own memory
 * ({@link BlockStore#transferFrom}): the connection, read directly into the store's buffers.
 */
@FunctionalInterface
public interface PayloadSource {
    /**
     * Fills the remaining bytes of {@code dsts[0..count)}, in order. An IOException means the
     * stream broke part-way: some of the buffers may hold part of the payload.
     */
    void readFully(ByteBuffer[] dsts, int count) throws IOException;
}
