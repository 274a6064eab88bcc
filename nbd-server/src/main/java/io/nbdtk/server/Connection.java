package io.nbdtk.server;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One client connection, on its own thread: handshake (with a deadline), then transmission. */
final class Connection implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    private final ServerContext ctx;
    private final SocketChannel socket;
    private final long id;
    private final ScheduledExecutorService timer;
    private final Duration handshakeTimeout;
    private final Runnable onExit;
    private volatile boolean transmitting;

    Connection(ServerContext ctx, SocketChannel socket, long id, ScheduledExecutorService timer, Duration handshakeTimeout,
            Runnable onExit) {
        this.ctx = ctx;
        this.socket = socket;
        this.id = id;
        this.timer = timer;
        this.handshakeTimeout = handshakeTimeout;
        this.onExit = onExit;
    }

    @Override
    public void run() {
        Peer peer = null;
        boolean accepted = false;
        Export own = null;
        ScheduledFuture<?> idleWatch = null;
        try {
            peer = new Peer(socket.getRemoteAddress(), socket.getLocalAddress(), false);
            accepted = ctx.policy.accept(peer);
            if (!accepted) {
                return;
            }
            if (socket.getRemoteAddress() instanceof java.net.InetSocketAddress) {
                socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            ScheduledFuture<?> deadline = timer.schedule(this::handshakeExpired,
                    handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            Session session;
            try {
                session = new Handshake(ctx, socket, socket, peer).run();
            } finally {
                deadline.cancel(false);
            }
            transmitting = true;
            if (ctx.shuttingDown) {
                return;
            }
            if (session.export().spec().backend().perConnection()) {
                // e.g. copy-on-write or temporary: this connection gets a private store
                own = session.export().spec().openCountingInto(session.export());
                session = session.withExport(own);
            }
            log.debug("{}: serving export '{}'", peer.remote(), session.export().name());
            idleWatch = watchIdle(session);
            new Transmission(ctx, session, id).run();
        } catch (Handshake.Ended e) {
            log.debug("{}: handshake ended: {}", peer == null ? "?" : peer.remote(), e.getMessage());
        } catch (IOException | RuntimeException e) {
            if (socket.isOpen() && !ctx.shuttingDown) {
                log.info("{}: connection ended: {}", peer == null ? "?" : peer.remote(), e.getMessage());
            }
        } finally {
            if (idleWatch != null) {
                idleWatch.cancel(false);
            }
            close();
            ctx.hook.closed(id);
            if (own != null) {
                try {
                    own.close();
                } catch (IOException e) {
                    log.warn("closing the private store of export '{}': {}", own.name(), e.toString());
                }
            }
            if (accepted) {
                ctx.policy.closed(peer);
            }
            onExit.run();
        }
    }

    /** Closes the connection once nothing has arrived for the policy's idle timeout (if any). */
    private ScheduledFuture<?> watchIdle(Session session) {
        Duration idle = ctx.policy.idleTimeout(session.peer(), session.export());
        if (idle.isZero() || idle.isNegative()) {
            return null;
        }
        long limit = idle.toNanos();
        long period = Math.max(10, Math.min(1000, idle.toMillis() / 4));
        return timer.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - session.input().lastReadNanos() > limit) {
                log.info("{}: idle for {} s: closing", session.peer().remote(), idle.toSeconds());
                close();
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    private void handshakeExpired() {
        if (!transmitting) {
            log.info("handshake timeout ({} ms): closing {}", handshakeTimeout.toMillis(), socket);
            close();
        }
    }

    /**
     * Graceful stop: a connection in transmission stops reading (its in-flight requests still
     * finish and are answered); one still negotiating is closed.
     */
    void stop() {
        try {
            if (transmitting) {
                socket.shutdownInput();
            } else {
                close();
            }
        } catch (IOException e) {
            close();
        }
    }

    void close() {
        try {
            // a splice blocked on the socket holds it open through a duplicate descriptor, which
            // close() alone would not wake: shutting the input down ends it (an end of stream)
            socket.shutdownInput();
        } catch (IOException | RuntimeException ignored) {
            // not connected or already closed
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
