package io.nbdtk.server.tls;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * TLS over any blocking {@link ByteChannel} (a TCP {@code SocketChannel} or a Unix-socket one,
 * which has no {@link java.net.Socket} for {@code SSLSocket} to wrap). Used after the server has
 * ACKed STARTTLS: {@link #handshake()} runs the TLS handshake on the same connection, then reads
 * and writes carry application data.
 *
 * <p>One thread reads while others write (replies are sent by worker threads); writes are
 * serialised here, and a read that must send TLS records (TLS 1.3 key updates) takes the same
 * lock, because {@link SSLEngine} allows wrap and unwrap to run concurrently but not two wraps.
 */
public final class TlsChannel implements ByteChannel {
    private final ByteChannel plain;
    private final SSLEngine engine;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Object readLock = new Object();
    private ByteBuffer netIn;   // encrypted bytes read from the channel, in read mode after compact/flip
    private ByteBuffer appIn;   // decrypted bytes not yet handed out, in read mode
    private ByteBuffer netOut;  // encrypted bytes to send, in write mode (guarded by writeLock)
    private volatile boolean closed;
    private boolean inboundDone;

    /** Records buffered per system call: one read or write moves many TLS records at once. */
    private static final int RECORDS_PER_IO = 16;

    public TlsChannel(ByteChannel plain, SSLEngine engine) {
        this.plain = plain;
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        // Direct buffers: the socket reads and writes them without an extra copy.
        this.netIn = ByteBuffer.allocateDirect(packet * RECORDS_PER_IO);
        this.netIn.flip();
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        this.appIn.flip();
        this.netOut = ByteBuffer.allocateDirect(packet * RECORDS_PER_IO);
    }

    public SSLEngine engine() {
        return engine;
    }

    /** Runs the TLS handshake to completion; any failure means the connection must end. */
    public void handshake() throws IOException {
        engine.beginHandshake();
        while (true) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            switch (hs) {
                case NEED_WRAP -> wrapAndSend(ByteBuffer.allocate(0));
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    synchronized (readLock) {
                        if (unwrapOnce() < 0) {
                            throw new EOFException("peer closed the connection during the TLS handshake");
                        }
                    }
                }
                case NEED_TASK -> runTasks();
                case FINISHED, NOT_HANDSHAKING -> {
                    return;
                }
                default -> throw new SSLException("unexpected handshake status " + hs);
            }
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        synchronized (readLock) {
            while (true) {
                if (appIn.hasRemaining()) {
                    int n = Math.min(dst.remaining(), appIn.remaining());
                    ByteBuffer slice = appIn.slice();
                    slice.limit(n);
                    dst.put(slice);
                    appIn.position(appIn.position() + n);
                    return n;
                }
                if (inboundDone || dst.remaining() == 0) {
                    return inboundDone ? -1 : 0;
                }
                if (dst.remaining() >= engine.getSession().getApplicationBufferSize()) {
                    // Room for a whole record: decrypt straight into the caller's buffer.
                    int n = unwrapInto(dst);
                    serviceHandshake();
                    if (n != 0) {
                        return n;
                    }
                    continue;
                }
                if (unwrapOnce() < 0) {
                    return -1;
                }
                serviceHandshake();
            }
        }
    }

    /**
     * Unwraps at most one record into {@link #appIn}, reading from the channel when a whole record
     * is not buffered. Returns -1 at end of stream or close_notify. Caller holds readLock.
     */
    private int unwrapOnce() throws IOException {
        while (true) {
            appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
            }
            switch (r.getStatus()) {
                case OK:
                    if (r.bytesProduced() > 0 || r.bytesConsumed() > 0 || r.getHandshakeStatus() != HandshakeStatus.NEED_UNWRAP) {
                        return r.bytesProduced();
                    }
                    break;
                case BUFFER_UNDERFLOW:
                    if (netIn.capacity() < engine.getSession().getPacketBufferSize()) {
                        netIn = grow(netIn, engine.getSession().getPacketBufferSize());
                    }
                    if (fill() < 0) {
                        inboundDone = true;
                        return -1;
                    }
                    break;
                case BUFFER_OVERFLOW:
                    appIn = grow(appIn, appIn.remaining() + engine.getSession().getApplicationBufferSize());
                    break;
                case CLOSED:
                    inboundDone = true;
                    return -1;
                default:
                    throw new SSLException("unexpected unwrap status " + r.getStatus());
            }
        }
    }

    /**
     * Unwraps at most one record directly into {@code dst} (which has room for a whole record).
     * Returns the bytes produced, 0 for a record without application data, -1 at end of stream.
     * Caller holds readLock.
     */
    private int unwrapInto(ByteBuffer dst) throws IOException {
        while (true) {
            SSLEngineResult r = engine.unwrap(netIn, dst);
            switch (r.getStatus()) {
                case OK:
                    if (r.bytesProduced() > 0 || r.bytesConsumed() > 0) {
                        return r.bytesProduced();
                    }
                    if (r.getHandshakeStatus() != HandshakeStatus.NEED_UNWRAP) {
                        return 0;
                    }
                    break;
                case BUFFER_UNDERFLOW:
                    if (fill() < 0) {
                        inboundDone = true;
                        return -1;
                    }
                    break;
                case BUFFER_OVERFLOW:
                    return unwrapOnce(); // the session grew its records: go through appIn
                case CLOSED:
                    inboundDone = true;
                    return -1;
                default:
                    throw new SSLException("unexpected unwrap status " + r.getStatus());
            }
        }
    }

    /** After a read: answer what the engine needs (post-handshake messages, key updates). */
    private void serviceHandshake() throws IOException {
        HandshakeStatus hs = engine.getHandshakeStatus();
        while (hs == HandshakeStatus.NEED_TASK || hs == HandshakeStatus.NEED_WRAP) {
            if (hs == HandshakeStatus.NEED_TASK) {
                runTasks();
            } else {
                wrapAndSend(ByteBuffer.allocate(0));
            }
            hs = engine.getHandshakeStatus();
        }
    }

    private int fill() throws IOException {
        netIn.compact();
        try {
            return plain.read(netIn);
        } finally {
            netIn.flip();
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        int before = src.remaining();
        wrapAndSend(src);
        return before - src.remaining();
    }

    private void wrapAndSend(ByteBuffer src) throws IOException {
        writeLock.lock();
        try {
            do {
                SSLEngineResult r = engine.wrap(src, netOut);
                switch (r.getStatus()) {
                    case OK -> {
                        // Batch records: send when another might not fit, or when everything is wrapped.
                        if (!src.hasRemaining() || netOut.remaining() < engine.getSession().getPacketBufferSize()
                                || r.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING) {
                            flushNetOut();
                        }
                    }
                    case BUFFER_OVERFLOW -> {
                        flushNetOut();
                        if (netOut.capacity() < engine.getSession().getPacketBufferSize()) {
                            netOut = ByteBuffer.allocateDirect(engine.getSession().getPacketBufferSize());
                        }
                    }
                    case CLOSED -> {
                        flushNetOut();
                        if (src.hasRemaining()) {
                            throw new ClosedChannelException();
                        }
                        return;
                    }
                    default -> throw new SSLException("unexpected wrap status " + r.getStatus());
                }
                if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
            } while (src.hasRemaining());
        } finally {
            writeLock.unlock();
        }
    }

    private void flushNetOut() throws IOException {
        netOut.flip();
        try {
            while (netOut.hasRemaining()) {
                plain.write(netOut);
            }
        } finally {
            netOut.clear();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private static ByteBuffer grow(ByteBuffer readMode, int capacity) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(capacity, readMode.remaining()));
        bigger.put(readMode);
        bigger.flip();
        return bigger;
    }

    @Override
    public boolean isOpen() {
        return !closed && plain.isOpen();
    }

    /** Sends close_notify (best effort, without waiting for the peer's) and closes the channel. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            engine.closeOutbound();
            if (writeLock.tryLock()) {
                try {
                    while (!engine.isOutboundDone()) {
                        SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), netOut);
                        flushNetOut();
                        if (r.getStatus() != SSLEngineResult.Status.OK) {
                            break;
                        }
                    }
                } finally {
                    writeLock.unlock();
                }
            }
        } catch (IOException ignored) {
            // the peer may already be gone; closing anyway
        } finally {
            plain.close();
        }
    }
}
