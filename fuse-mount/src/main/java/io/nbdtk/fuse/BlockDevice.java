package io.nbdtk.fuse;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What the filesystem needs from an NBD export: a fixed-size array of bytes with optional flush,
 * trim and zero. Implementations must be safe for concurrent use: FUSE calls in from many
 * threads at once. A failed request throws {@link DeviceException} with the errno to report; any
 * other {@link IOException} is reported as EIO.
 */
public interface BlockDevice extends Closeable {
    long size();

    boolean isReadOnly();

    boolean canFlush();

    boolean canTrim();

    boolean canZero();

    /** Fills all of {@code dst.remaining()} from {@code offset} (the range lies inside the export). */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes all of {@code src.remaining()} at {@code offset} (the range lies inside the export). */
    void write(long offset, ByteBuffer src) throws IOException;

    void flush() throws IOException;

    /** Advisory discard: afterwards the range may read as anything (NBD_CMD_TRIM). */
    void trim(long offset, long length) throws IOException;

    /** The range reads as zeros afterwards; {@code mayPunch} lets the server free the space. */
    void zero(long offset, long length, boolean mayPunch) throws IOException;
}
