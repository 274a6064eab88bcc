package io.nbdtk.server;

import io.nbdtk.server.os.NativeFile;
import io.nbdtk.server.os.SocketSplice;
import io.nbdtk.server.store.StoreException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * Buffered reads from a blocking channel: small headers come out of one buffer (few system calls
 * for pipelined requests), large payloads go straight into the caller's buffer.
 */
final class ChannelInput {
    private final ReadableByteChannel channel;
    private final ByteBuffer buf;
    private volatile long lastReadNanos = System.nanoTime();
    /**
     * The first read failure, kept: a read that fails half way leaves the buffer in an undefined
     * state, and the next reader (serving threads take turns) must not parse stale bytes from it
     * as a new request.
     */
    private IOException failure;
    /** Called before every read from the channel (which may block): writes replies still collected. */
    private volatile BeforeRead beforeRead = () -> {};

    /** Work to do before the reader may block on the channel. */
    @FunctionalInterface
    interface BeforeRead {
        void run() throws IOException;
    }

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
        checkNotFailed();
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
        checkNotFailed();
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

    /**
     * Fills the remaining bytes of {@code dsts[0..count)} in order: buffered bytes first, then
     * straight from the channel, with one scattered read per wake-up where the channel allows.
     */
    void readFully(ByteBuffer[] dsts, int count) throws IOException {
        checkNotFailed();
        int i = takeBuffered(dsts, count);
        if (!(channel instanceof ScatteringByteChannel scattering)) {
            for (; i < count; i++) {
                readFully(dsts[i]);
            }
            return;
        }
        while (i < count) {
            if (read(scattering, dsts, i, count - i) < 0) {
                throw new EOFException("peer closed the connection in the middle of a payload");
            }
            while (i < count && !dsts[i].hasRemaining()) {
                i++;
            }
        }
    }

    /**
     * Moves the next {@code length} bytes into {@code file} at {@code offset}: what is buffered
     * already is written from the buffer, the rest is spliced from the socket inside the kernel.
     * When the file refuses bytes, the rest of them is still consumed before the StoreException
     * is thrown, so the stream stays in sync; any other IOException means the stream broke.
     */
    void spliceTo(SocketSplice splice, NativeFile file, long offset, long length) throws IOException {
        checkNotFailed();
        long pos = offset;
        long left = length;
        StoreException refused = null;
        if (buf.hasRemaining() && left > 0) {
            int n = (int) Math.min(buf.remaining(), left);
            ByteBuffer part = buf.slice();
            part.limit(n);
            buf.position(buf.position() + n);
            try {
                file.pwriteFully(part, pos);
            } catch (StoreException e) {
                refused = e;
            }
            pos += n;
            left -= n;
        }
        while (left > 0 && refused == null) {
            long n;
            try {
                beforeRead.run();
                n = counted(splice.fromSocket(left));
            } catch (IOException e) {
                failure = e;
                throw e;
            }
            if (n == 0) {
                failure = new EOFException("peer closed the connection");
                throw new EOFException("peer closed the connection in the middle of a payload");
            }
            try {
                splice.toFile(file, pos, n);
            } catch (StoreException e) {
                refused = e;
            }
            pos += n;
            left -= n;
        }
        if (refused != null) {
            skip(left);
            throw refused;
        }
    }

    /**
     * Fills {@code length} bytes of memory at {@code address} (a writable mapping): buffered
     * bytes first, then straight from the socket through {@code splice}'s descriptor.
     */
    void receiveInto(SocketSplice splice, long address, long length) throws IOException {
        checkNotFailed();
        long at = address;
        long left = length;
        if (buf.hasRemaining()) {
            int n = (int) Math.min(buf.remaining(), left);
            ByteBuffer part = buf.slice();
            part.limit(n);
            buf.position(buf.position() + n);
            SocketSplice.copyToMemory(part, at);
            at += n;
            left -= n;
        }
        if (left > 0) {
            try {
                beforeRead.run();
                splice.receiveIntoMemory(at, left);
                lastReadNanos = System.nanoTime();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }
    }

    /** Moves buffered bytes into {@code dsts[0..count)} in order; returns the first index with space left. */
    private int takeBuffered(ByteBuffer[] dsts, int count) {
        int i = 0;
        while (i < count && buf.hasRemaining()) {
            ByteBuffer dst = dsts[i];
            int n = Math.min(buf.remaining(), dst.remaining());
            ByteBuffer part = buf.slice();
            part.limit(n);
            dst.put(part);
            buf.position(buf.position() + n);
            if (!dst.hasRemaining()) {
                i++;
            }
        }
        return i;
    }

    /**
     * Like {@link #readFully(ByteBuffer[], int)}, but the bytes still in the socket go through
     * {@code splice}'s pipe: spliced from the socket (buffers by reference), then read into the
     * buffers. The same one copy, yet a lone connection writing 1 MiB payloads into memory was
     * 15-25% faster this way on loopback (docs/benchmarks.md).
     */
    void readFullyThroughPipe(SocketSplice splice, ByteBuffer[] dsts, int count) throws IOException {
        checkNotFailed();
        int i = takeBuffered(dsts, count);
        long left = 0;
        for (int k = i; k < count; k++) {
            left += dsts[k].remaining();
        }
        while (left > 0) {
            long n;
            try {
                beforeRead.run();
                n = counted(splice.fromSocket(left));
                if (n == 0) {
                    throw new EOFException("peer closed the connection in the middle of a payload");
                }
                i = splice.pipeToBuffers(n, dsts, i, count);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
            left -= n;
        }
    }

    /** Reads and discards {@code n} bytes (the payload of a rejected request) without allocating it. */
    void skip(long n) throws IOException {
        checkNotFailed();
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

    /** Sets what to do before each read from the channel (e.g. flushing corked replies). */
    void beforeRead(BeforeRead action) {
        this.beforeRead = action;
    }

    private int read(ByteBuffer dst) throws IOException {
        try {
            beforeRead.run();
            return (int) counted(channel.read(dst));
        } catch (IOException e) {
            failure = e;
            throw e;
        }
    }

    private long read(ScatteringByteChannel scattering, ByteBuffer[] dsts, int offset, int length) throws IOException {
        try {
            beforeRead.run();
            return counted(scattering.read(dsts, offset, length));
        } catch (IOException e) {
            failure = e;
            throw e;
        }
    }

    /** Notes the end of the stream or the time of the last input; returns {@code n}. */
    private long counted(long n) {
        if (n < 0) {
            failure = new EOFException("peer closed the connection");
        } else if (n > 0) {
            lastReadNanos = System.nanoTime();
        }
        return n;
    }

    private void checkNotFailed() throws IOException {
        if (failure != null) {
            throw new EOFException("connection input already ended: " + failure.getMessage());
        }
    }

    /** {@link System#nanoTime()} when bytes last arrived (for idle timeouts). */
    long lastReadNanos() {
        return lastReadNanos;
    }
}
