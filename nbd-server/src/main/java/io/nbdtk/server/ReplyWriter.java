package io.nbdtk.server;

import io.nbdtk.server.os.SocketSplice;
import io.nbdtk.server.store.BlockStore;
import io.nbdtk.server.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one writer of a connection: each reply (or structured chunk) is written whole under a lock,
 * so replies finished by different workers never interleave mid-message.
 *
 * <p>The thread that reads requests may {@link #cork} the writer while it serves requests itself:
 * its small replies then collect in one buffer and go out in one system call, when it is about
 * to wait for more requests ({@link #flush}, called by {@link ChannelInput} before it blocks) or
 * lets another thread read ({@link #uncork}). Pipelined 4 KiB requests thus cost one write per
 * batch instead of one per reply. Any other thread's reply flushes the buffer first.
 */
final class ReplyWriter {
    /** Bytes of replies a corked reader collects before writing them. */
    private static final int CORK_CAPACITY = 256 * 1024;
    /** Replies larger than this are written at once (with what was collected before them). */
    private static final int CORK_MAX_MESSAGE = 64 * 1024;

    private final ByteChannel channel;
    private final WritableByteChannel zeroCopyTarget; // the raw socket, or null (e.g. under TLS)
    private final ReentrantLock lock = new ReentrantLock();
    private volatile IOException broken;
    /** Replies collected by the corking thread (write mode); guarded by {@link #lock}. */
    private ByteBuffer pending;
    private volatile boolean hasPending;
    private volatile Thread corker;

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

    /**
     * From now on the calling thread's small replies are collected, not written; the caller must
     * {@link #flush} before it waits for anything and {@link #uncork} when it stops.
     */
    void cork() {
        corker = Thread.currentThread();
    }

    /** Ends {@link #cork} and writes what was collected. */
    void uncork() throws IOException {
        corker = null;
        flush();
    }

    /** Writes the collected replies, if any. */
    void flush() throws IOException {
        if (!hasPending) {
            return;
        }
        lock.lock();
        try {
            checkOpen();
            writeAll();
        } catch (IOException e) {
            broken = e;
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /** Writes the buffers in order as one message. */
    void send(ByteBuffer... parts) throws IOException {
        announce();
        lock.lock();
        try {
            checkOpen();
            if (corked()) {
                long total = 0;
                for (ByteBuffer p : parts) {
                    total += p.remaining();
                }
                if (total <= CORK_MAX_MESSAGE) {
                    ByteBuffer b = room((int) total);
                    for (ByteBuffer p : parts) {
                        b.put(p);
                    }
                    hasPending = true;
                    return;
                }
            }
            writeAll(parts);
        } catch (IOException e) {
            broken = e;
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /**
     * For a corked thread and a small reply: collects {@code header} followed by {@code length}
     * bytes read from {@code store} at {@code offset} (read straight into the collecting buffer)
     * and returns true. Returns false, having done nothing, when the caller must send otherwise.
     * A failed store read leaves nothing collected.
     */
    boolean sendRead(ByteBuffer header, BlockStore store, long offset, int length) throws IOException {
        if (corker != Thread.currentThread() || header.remaining() + (long) length > CORK_MAX_MESSAGE) {
            return false;
        }
        lock.lock();
        try {
            checkOpen();
            ByteBuffer b;
            try {
                b = room(header.remaining() + length);
            } catch (IOException e) {
                broken = e;
                throw e;
            }
            int start = b.position();
            b.put(header);
            try {
                store.read(offset, b.slice(b.position(), length));
            } catch (IOException | RuntimeException e) {
                b.position(start); // the caller answers with an error instead
                throw e;
            }
            b.position(b.position() + length);
            announce();
            hasPending = true;
            return true;
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
            // collected replies and the header go out in the store's gathered write
            boolean withPending = pending != null && pending.position() > 0;
            if (withPending && pending.remaining() < header.remaining()) {
                writeAll();
                withPending = false;
            }
            ByteBuffer prefix = withPending ? pending.put(header).flip() : header;
            try {
                store.transferTo(prefix, offset, length, zeroCopyTarget);
            } finally {
                if (withPending) {
                    pending.clear(); // written, or the stream is broken anyway
                }
                hasPending = false;
            }
        } catch (IOException | RuntimeException e) {
            // part of a message may be on the wire: the stream can no longer be trusted
            broken = e instanceof IOException io ? io : new IOException(e);
            throw broken;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends {@code header} and {@code length} bytes of {@code store} from {@code offset} through
     * {@code splice} ({@link BlockStore#spliceTo}), after any collected replies. A StoreException
     * (the store refused before sending anything) leaves the stream intact for an error reply.
     */
    void sendSpliced(ByteBuffer header, BlockStore store, long offset, int length, SocketSplice splice)
            throws IOException {
        announce();
        lock.lock();
        try {
            checkOpen();
            if (hasPending) {
                writeAll(); // collected replies first: this reply does not go through the channel
            }
            store.spliceTo(header, offset, length, splice);
        } catch (StoreException e) {
            throw e; // refused before any byte of this reply was sent: the stream is intact
        } catch (IOException | RuntimeException e) {
            // part of a message may be on the wire: the stream can no longer be trusted
            broken = e instanceof IOException io ? io : new IOException(e);
            throw broken;
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: whether the current thread collects its replies. */
    private boolean corked() {
        return corker == Thread.currentThread();
    }

    /** Under the lock: the collecting buffer with at least {@code n} bytes free (n <= CORK_MAX_MESSAGE). */
    private ByteBuffer room(int n) throws IOException {
        if (pending == null) {
            pending = ByteBuffer.allocateDirect(CORK_CAPACITY);
        } else if (pending.remaining() < n) {
            writeAll();
        }
        return pending;
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

    /** Under the lock: writes the collected replies (if any), then {@code parts}, in one gathered write where possible. */
    private void writeAll(ByteBuffer... parts) throws IOException {
        boolean withPending = pending != null && pending.position() > 0;
        if (withPending) {
            ByteBuffer[] all = new ByteBuffer[parts.length + 1];
            all[0] = pending.flip();
            System.arraycopy(parts, 0, all, 1, parts.length);
            parts = all;
        }
        try {
            writeParts(parts);
        } finally {
            if (withPending) {
                pending.clear(); // written, or the stream is broken anyway
            }
            hasPending = false;
        }
    }

    private void writeParts(ByteBuffer... parts) throws IOException {
        if (parts.length == 0) {
            return;
        }
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
