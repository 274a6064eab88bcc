package io.nbdtk.client;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS over the already connected socket channel (after NBD_OPT_STARTTLS), through an
 * {@link SSLEngine} so that TCP and Unix sockets work alike. The reader thread unwraps; writers
 * wrap under {@code writeLock} (the engine allows wrap and unwrap to run concurrently).
 */
final class TlsTransport implements Transport {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final String description;
    private final ReentrantLock writeLock = new ReentrantLock();
    private ByteBuffer netIn; // write mode: ciphertext read but not yet unwrapped
    private ByteBuffer appIn; // read mode: plaintext not yet consumed
    private ByteBuffer netOut;

    private TlsTransport(SocketChannel channel, SSLEngine engine, String description) {
        this.channel = channel;
        this.engine = engine;
        this.description = description;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(packet);
        this.netOut = ByteBuffer.allocate(packet);
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
    }

    static TlsTransport handshake(SocketChannel channel, String description, TlsOptions tls, String peerHost,
            int peerPort) throws IOException {
        String name = tls.hostname().orElse(peerHost);
        SSLEngine engine = tls.sslContext().createSSLEngine(name, peerPort);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        if (tls.verifyHostname() && name != null && !name.isEmpty()) {
            params.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (name != null && !name.isEmpty() && !isIpLiteral(name)) {
            params.setServerNames(List.of(new SNIHostName(name)));
        }
        engine.setSSLParameters(params);
        TlsTransport t = new TlsTransport(channel, engine, "tls+" + description);
        try {
            t.runHandshake();
        } catch (SSLException e) {
            throw new IOException("TLS handshake with " + description + " failed: " + e.getMessage(), e);
        }
        return t;
    }

    private static boolean isIpLiteral(String name) {
        return name.indexOf(':') >= 0 || name.matches("[0-9.]+");
    }

    private void runHandshake() throws IOException {
        engine.beginHandshake();
        HandshakeStatus hs = engine.getHandshakeStatus();
        while (true) {
            switch (hs) {
                case NEED_WRAP:
                    hs = wrapAndSend(EMPTY);
                    break;
                case NEED_UNWRAP:
                case NEED_UNWRAP_AGAIN:
                    SSLEngineResult r = unwrap();
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new EOFException("server closed TLS during the handshake");
                    }
                    hs = r.getHandshakeStatus();
                    break;
                case NEED_TASK:
                    runTasks();
                    hs = engine.getHandshakeStatus();
                    break;
                default: // FINISHED, NOT_HANDSHAKING
                    return;
            }
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    /** One successful unwrap (reading from the socket as needed), or CLOSED. */
    private SSLEngineResult unwrap() throws IOException {
        while (true) {
            netIn.flip();
            appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
                netIn.compact();
            }
            switch (r.getStatus()) {
                case OK:
                case CLOSED:
                    return r;
                case BUFFER_UNDERFLOW:
                    if (!netIn.hasRemaining()) {
                        netIn = grow(netIn, engine.getSession().getPacketBufferSize());
                    }
                    if (channel.read(netIn) < 0) {
                        throw new EOFException("server closed the connection (" + description + ")");
                    }
                    break;
                case BUFFER_OVERFLOW:
                    ByteBuffer bigger = ByteBuffer.allocate(appIn.remaining()
                            + engine.getSession().getApplicationBufferSize());
                    bigger.put(appIn).flip();
                    appIn = bigger;
                    break;
                default:
                    throw new IllegalStateException(r.toString());
            }
        }
    }

    private static ByteBuffer grow(ByteBuffer writeMode, int extra) {
        ByteBuffer b = ByteBuffer.allocate(writeMode.capacity() + extra);
        writeMode.flip();
        b.put(writeMode);
        return b;
    }

    @Override
    public void readFully(ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            if (appIn.hasRemaining()) {
                int n = Math.min(appIn.remaining(), dst.remaining());
                ByteBuffer part = appIn.slice();
                part.limit(n);
                dst.put(part);
                appIn.position(appIn.position() + n);
                continue;
            }
            SSLEngineResult r = unwrap();
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new EOFException("server closed TLS (" + description + ")");
            }
            HandshakeStatus hs = r.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                runTasks();
                hs = engine.getHandshakeStatus();
            }
            if (hs == HandshakeStatus.NEED_WRAP) {
                wrapAndSend(EMPTY); // post-handshake message (e.g. TLS 1.3 key update)
            }
        }
    }

    @Override
    public void write(ByteBuffer... srcs) throws IOException {
        writeLock.lock();
        try {
            for (ByteBuffer src : srcs) {
                while (src.hasRemaining()) {
                    wrapAndSend(src);
                }
            }
        } finally {
            writeLock.unlock();
        }
    }

    private HandshakeStatus wrapAndSend(ByteBuffer src) throws IOException {
        writeLock.lock();
        try {
            while (true) {
                netOut.clear();
                SSLEngineResult r = engine.wrap(src, netOut);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    netOut = ByteBuffer.allocate(netOut.capacity() + engine.getSession().getPacketBufferSize());
                    continue;
                }
                netOut.flip();
                while (netOut.hasRemaining()) {
                    channel.write(netOut);
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    if (src.hasRemaining()) {
                        throw new EOFException("TLS session closed (" + description + ")");
                    }
                }
                HandshakeStatus hs = r.getHandshakeStatus();
                if (hs == HandshakeStatus.NEED_TASK) {
                    runTasks();
                    hs = engine.getHandshakeStatus();
                }
                return hs;
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Transport startTls(TlsOptions tls, String peerHost, int peerPort) throws IOException {
        throw new IOException("TLS is already active");
    }

    @Override
    public void close() {
        try {
            // a writer blocked on a stalled server holds the lock: then skip close_notify
            if (channel.isOpen() && writeLock.tryLock()) {
                try {
                    engine.closeOutbound();
                    wrapAndSend(EMPTY); // close_notify, best effort
                } finally {
                    writeLock.unlock();
                }
            }
        } catch (IOException | RuntimeException e) {
            // the peer may be gone already; closing the socket below is what matters
        }
        try {
            channel.close();
        } catch (IOException e) {
            // best effort
        }
    }

    @Override
    public String describe() {
        return description;
    }
}
