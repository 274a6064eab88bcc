package io.nbdtk.server;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Buffered reads from a blocking channel: small headers come out of one buffer (few system calls
 * for pipelined requests), large payloads go straight into the caller's buffer.
 */
final class ChannelInput {
    private final ReadableByteChannel channel;
    private final ByteBuffer buf;
    private volatile long lastReadNanos = System.nanoTime();

    ChannelInput(ReadableByteChannel channel, int bufferSize) {
        this.channel = channel;
        this.buf = ByteBuffer.allocateDirect(bufferSize);
        buf.flip(); // empty, ready for reading
    }

    /**
     * Returns a view of the next {@code n} bytes (n <= buffer size) and consumes them; the view is
     * valid until the next call. Throws EOFException when the peer closed before sending them.
     */
    ByteBuffer next(int n) throws IOException {
        if (buf.remaining() < n) {
            buf.compact();
            while (buf.position() < n) {
                if (read(buf) < 0) {
                    throw new EOFException("peer closed the connection (" + buf.position() + " of " + n
                            + " bytes of a message received)");
                }
            }
            buf.flip();
        }
        ByteBuffer view = buf.slice();
        view.limit(n);
        buf.position(buf.position() + n);
        return view;
    }

    /** Fills {@code dst} completely: buffered bytes first, then directly from the channel. */
    void readFully(ByteBuffer dst) throws IOException {
        if (buf.hasRemaining()) {
            int n = Math.min(buf.remaining(), dst.remaining());
            ByteBuffer part = buf.slice();
            part.limit(n);
            dst.put(part);
            buf.position(buf.position() + n);
        }
        while (dst.hasRemaining()) {
            if (read(dst) < 0) {
                throw new EOFException("peer closed the connection in the middle of a payload");
            }
        }
    }

    /** Reads and discards {@code n} bytes (the payload of a rejected request) without allocating it. */
    void skip(long n) throws IOException {
        long left = n;
        int fromBuf = (int) Math.min(buf.remaining(), left);
        buf.position(buf.position() + fromBuf);
        left -= fromBuf;
        while (left > 0) {
            buf.clear();
            if (left < buf.capacity()) {
                buf.limit((int) left);
            }
            int r = read(buf);
            if (r < 0) {
                throw new EOFException("peer closed the connection while a rejected payload was drained");
            }
            left -= r;
        }
        buf.clear();
        buf.flip();
    }

    private int read(ByteBuffer dst) throws IOException {
        int n = channel.read(dst);
        if (n > 0) {
            lastReadNanos = System.nanoTime();
        }
        return n;
    }

    /** {@link System#nanoTime()} when bytes last arrived (for idle timeouts). */
    long lastReadNanos() {
        return lastReadNanos;
    }
}
