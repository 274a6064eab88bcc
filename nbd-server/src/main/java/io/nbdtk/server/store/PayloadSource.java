package io.nbdtk.server.store;

import io.nbdtk.server.os.NativeFile;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a WRITE payload comes from when a store receives it straight into its own memory
 * ({@link BlockStore#transferFrom}): the connection, read directly into the store's buffers.
 */
public interface PayloadSource {
    /**
     * Fills the remaining bytes of {@code dsts[0..count)}, in order. An IOException means the
     * stream broke part-way: some of the buffers may hold part of the payload.
     */
    void readFully(ByteBuffer[] dsts, int count) throws IOException;

    /**
     * The same as {@link #readFully}, by way of a pipe where the source has one (faster for a
     * lone writer on loopback, slower when several connections write at once).
     */
    default void readFullyThroughPipe(ByteBuffer[] dsts, int count) throws IOException {
        readFully(dsts, count);
    }

    /**
     * Moves the {@code length} payload bytes into {@code file} at {@code offset} inside the
     * kernel ({@link io.nbdtk.server.os.SocketSplice}). A StoreException means the file refused
     * them after the whole payload was consumed (the connection stays in sync, the client gets
     * the error); any other IOException means the stream broke part-way.
     *
     * @throws UnsupportedOperationException when this source cannot splice (a store with
     *         {@link Capability#SPLICE_FROM} is only handed sources that can)
     */
    default void spliceTo(NativeFile file, long offset, int length) throws IOException {
        throw new UnsupportedOperationException("this connection cannot splice");
    }

    /**
     * Receives the {@code length} payload bytes into memory at {@code address} (a writable
     * mapping of the store's file). An IOException means the stream broke part-way.
     *
     * @throws UnsupportedOperationException when this source cannot (the same sources as
     *         {@link #spliceTo})
     */
    default void receiveInto(long address, int length) throws IOException {
        throw new UnsupportedOperationException("this connection cannot receive into memory");
    }
}
