package io.nbdtk.server.store;

import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.os.SocketSplice;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Set;

/**
 * The one storage SPI behind every export: byte-range operations, nothing about the wire.
 * Backends ({@link MemoryStore}, {@link FileStore}) implement it; filters
 * ({@code io.nbdtk.server.filter}) wrap another store and change one concern.
 *
 * <p>Callers have already checked ranges against {@link #size()} (the connection code turns bad
 * ranges into EINVAL/ENOSPC before calling), but stores check again and throw
 * {@link StoreException}. Every method may be called concurrently from several threads.
 * Failures are {@link StoreException} (carrying the NBD error to send) or another
 * {@link IOException} (sent as EIO).
 */
public interface BlockStore extends Closeable {
    /** Write-type flag: the data must be on stable storage before the call returns. */
    int FUA = 1;
    /** {@link #zero} flag: keep the range allocated (no hole punching). */
    int NO_HOLE = 2;
    /** {@link #zero} flag: fail with {@link NbdError#ENOTSUP} unless zeroing is faster than writing. */
    int FAST_ZERO = 4;

    /** Export size in bytes, fixed for the life of the store. */
    long size();

    /** What this store can do; filters may remove entries. */
    Set<Capability> capabilities();

    /** Fills {@code dst} completely (its remaining bytes) from {@code offset}. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes all remaining bytes of {@code src} at {@code offset}. */
    void write(long offset, ByteBuffer src, int flags) throws IOException;

    /** Every write that returned before this call started is on stable storage when it returns. */
    void flush() throws IOException;

    /** A hint that the range's contents are no longer needed (may free space). */
    void trim(long offset, long length, int flags) throws IOException;

    /** Makes the range read as zeros ({@link #NO_HOLE}, {@link #FAST_ZERO}, {@link #FUA}). */
    void zero(long offset, long length, int flags) throws IOException;

    /** A prefetch hint; promises nothing. */
    void cache(long offset, long length) throws IOException;

    /**
     * Allocation status from {@code offset}: consecutive extents, at least one, covering at most
     * {@code length} bytes (possibly fewer: callers ask again for the rest).
     */
    List<Extent> extents(long offset, long length) throws IOException;

    /**
     * Sends the remaining bytes of {@code prefix} (a reply header), then {@code length} bytes from
     * {@code offset}, straight to {@code target} without copying through an intermediate buffer
     * (a gathered write from the store's own memory; the header goes in the same write, so the
     * peer is not woken for it alone). Only valid with {@link Capability#TRANSFER_TO}; a failure
     * part-way leaves the target in an unknown state (callers drop the connection).
     */
    default void transferTo(ByteBuffer prefix, long offset, long length, WritableByteChannel target) throws IOException {
        throw new UnsupportedOperationException("transferTo not supported by " + getClass().getSimpleName());
    }

    /**
     * Writes {@code length} bytes read from {@code source} at {@code offset}, received straight
     * into the store's own memory (no intermediate buffer). Only valid with
     * {@link Capability#TRANSFER_FROM}. Either throws before reading any byte of {@code source}
     * (the caller still owns the whole payload, e.g. to drain it and answer with the error), or
     * reads exactly {@code length} bytes. When {@code source} fails part-way, part of the range
     * may hold new data: like a torn write on a disk, which NBD allows for an unacknowledged write.
     */
    default void transferFrom(long offset, int length, PayloadSource source, int flags) throws IOException {
        throw new UnsupportedOperationException("transferFrom not supported by " + getClass().getSimpleName());
    }

    /**
     * Sends the remaining bytes of {@code prefix} (a reply header), then {@code length} bytes
     * from {@code offset}, through {@code out} (the connection's socket). Only valid with
     * {@link Capability#SPLICE_TO}. A StoreException means nothing was sent (the caller answers
     * with the error); any other failure leaves the socket in an unknown state.
     */
    default void spliceTo(ByteBuffer prefix, long offset, int length, SocketSplice out) throws IOException {
        throw new UnsupportedOperationException("spliceTo not supported by " + getClass().getSimpleName());
    }

    @Override
    void close() throws IOException;
}
