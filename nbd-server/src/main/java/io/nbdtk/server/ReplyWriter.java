package io.nbdtk.server;

import io.nbdtk.server.store.BlockStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one writer of a connection: each reply (or structured chunk) is written whole under a lock,
 * so replies finished by different workers never interleave mid-message.
 */
final class ReplyWriter {
    private final ByteChannel channel;
    private final WritableByteChannel zeroCopyTarget; // the raw socket, or null (e.g. under TLS)
    private final ReentrantLock lock = new ReentrantLock();
    private volatile IOException broken;

    /** The request (hook token) the current thread is answering; reported before its first reply byte. */
    static final ThreadLocal<Object> ANSWERING = new ThreadLocal<>();

    private final RequestHook hook;

    ReplyWriter(ByteChannel channel, WritableByteChannel zeroCopyTarget, RequestHook hook) {
        this.hook = hook;
        this.channel = channel;
        this.zeroCopyTarget = zeroCopyTarget;
    }

    /** False once a write failed: the stream is broken and the connection must end. */
    boolean alive() {
        return broken == null;
    }

    /** Whether reads can go store -> socket with {@link BlockStore#transferTo}. */
    boolean zeroCopy() {
        return zeroCopyTarget != null;
    }

    /** Writes the buffers in order as one message. */
    void send(ByteBuffer... parts) throws IOException {
        announce();
        lock.lock();
        try {
            checkOpen();
            writeAll(parts);
        } catch (IOException e) {
            broken = e;
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /** Writes {@code header}, then {@code length} bytes of {@code store} at {@code offset} without a heap copy. */
    void sendTransfer(ByteBuffer header, BlockStore store, long offset, long length) throws IOException {
        announce();
        lock.lock();
        try {
            checkOpen();
            writeAll(header);
            store.transferTo(offset, length, zeroCopyTarget);
        } catch (IOException | RuntimeException e) {
            // part of a message may be on the wire: the stream can no longer be trusted
            broken = e instanceof IOException io ? io : new IOException(e);
            throw broken;
        } finally {
            lock.unlock();
        }
    }

    /** Tells the hook a reply is about to go out (once per request), so it is recorded before the client sees it. */
    private void announce() {
        Object token = ANSWERING.get();
        if (token != null) {
            ANSWERING.remove();
            hook.replying(token);
        }
    }

    private void checkOpen() throws IOException {
        if (broken != null) {
            throw new IOException("connection already failed: " + broken.getMessage());
        }
    }

    private void writeAll(ByteBuffer... parts) throws IOException {
        if (channel instanceof GatheringByteChannel g && parts.length > 1) {
            long left = 0;
            for (ByteBuffer p : parts) {
                left += p.remaining();
            }
            while (left > 0) {
                left -= g.write(parts);
            }
            return;
        }
        for (ByteBuffer p : parts) {
            while (p.hasRemaining()) {
                channel.write(p);
            }
        }
    }
}
