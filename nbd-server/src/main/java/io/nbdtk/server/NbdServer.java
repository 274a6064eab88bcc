package io.nbdtk.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An NBD server: listens on TCP (IPv4/IPv6) and Unix sockets, negotiates the fixed newstyle
 * handshake and serves its exports. Build with {@link #builder()}, stop with {@link #close()}
 * (in-flight requests finish, exports are flushed).
 */
public final class NbdServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NbdServer.class);
    public static final long DEFAULT_MAX_PAYLOAD = 64L << 20;
    public static final long MAX_MAX_PAYLOAD = 1L << 30;

    private final ServerContext ctx;
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final List<SocketAddress> addresses = new ArrayList<>();
    private final List<Path> unixPaths = new ArrayList<>();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    /** Exports removed by a reload, closed at shutdown (connections may still use them). */
    private final List<Export> retired = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Set<Thread> connectionThreads = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private final Duration handshakeTimeout;
    private final AtomicInteger connectionCounter = new AtomicInteger();
    private volatile boolean closed;

    private NbdServer(Builder b, Map<String, Export> exports) {
        ExecutorService workers = Executors.newCachedThreadPool(daemon("nbd-worker-"));
        this.ctx = new ServerContext(exports, b.maxPayload, b.maxInFlight, b.policy, workers, b.hook);
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemon("nbd-timer-"));
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
        this.handshakeTimeout = b.handshakeTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where the server listens (TCP addresses with their real port, then Unix socket paths). */
    public List<SocketAddress> addresses() {
        return Collections.unmodifiableList(addresses);
    }

    /** The first TCP address (handy with port 0). */
    public InetSocketAddress tcpAddress() {
        for (SocketAddress a : addresses) {
            if (a instanceof InetSocketAddress i) {
                return i;
            }
        }
        throw new IllegalStateException("not listening on TCP");
    }

    public Map<String, Export> exports() {
        return Collections.unmodifiableMap(ctx.exports);
    }

    /** Opens and adds an export while running (config reload); new connections see it at once. */
    public synchronized void addExport(ExportSpec spec) throws IOException {
        if (ctx.exports.containsKey(spec.name())) {
            throw new IllegalArgumentException("duplicate export name '" + spec.name() + "'");
        }
        Export e = spec.open();
        Map<String, Export> next = new LinkedHashMap<>(ctx.exports);
        next.put(e.name(), e);
        ctx.exports = next;
    }

    /**
     * Hides an export from new connections (config reload). Connections already using it keep it;
     * it is closed when the server stops, since they may still be using it until then.
     */
    public synchronized boolean removeExport(String name) {
        Map<String, Export> next = new LinkedHashMap<>(ctx.exports);
        Export removed = next.remove(name);
        if (removed == null) {
            return false;
        }
        retired.add(removed);
        ctx.exports = next;
        return true;
    }

    public Export export(String name) {
        return ctx.lookup(name);
    }

    /** Connections currently open. */
    public int connectionCount() {
        return connections.size();
    }

    private void bind(SocketAddress address) throws IOException {
        ServerSocketChannel ch;
        if (address instanceof UnixDomainSocketAddress u) {
            if (Files.exists(u.getPath())) {
                throw new IOException("Unix socket path " + u.getPath() + " already exists; remove it or pick another");
            }
            ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            ch.bind(u, 128);
            unixPaths.add(u.getPath());
        } else {
            ch = ServerSocketChannel.open();
            ch.bind(address, 128);
        }
        listeners.add(ch);
        addresses.add(ch.getLocalAddress());
    }

    private void startAccepting() {
        for (int i = 0; i < listeners.size(); i++) {
            ServerSocketChannel l = listeners.get(i);
            Thread t = new Thread(() -> acceptLoop(l), "nbd-accept-" + addresses.get(i));
            t.setDaemon(true);
            t.start();
        }
    }

    private void acceptLoop(ServerSocketChannel listener) {
        while (!closed) {
            SocketChannel s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("accept failed: {}", e.toString());
                }
                return;
            }
            if (closed) {
                closeQuietly(s);
                return;
            }
            Connection[] self = new Connection[1];
            Thread[] thread = new Thread[1];
            long id = connectionCounter.incrementAndGet();
            self[0] = new Connection(ctx, s, id, timer, handshakeTimeout, () -> {
                connections.remove(self[0]);
                connectionThreads.remove(thread[0]);
            });
            connections.add(self[0]);
            thread[0] = new Thread(self[0], "nbd-conn-" + id);
            thread[0].setDaemon(true);
            connectionThreads.add(thread[0]);
            thread[0].start();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /**
     * Stops listening, lets every connection finish its in-flight requests (new options get
     * ERR_SHUTDOWN), then flushes and closes the exports. Waits up to 30 s for connections.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ctx.shuttingDown = true;
        for (ServerSocketChannel l : listeners) {
            closeQuietly(l);
        }
        for (Path p : unixPaths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort
            }
        }
        for (Connection c : connections) {
            c.stop();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Thread t : new ArrayList<>(connectionThreads)) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Connection c : connections) {
            c.close();
        }
        ctx.workers.shutdown();
        try {
            ctx.workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        List<Export> toClose = new ArrayList<>(ctx.all());
        toClose.addAll(retired);
        for (Export e : toClose) {
            try {
                e.close();
            } catch (IOException ex) {
                log.warn("closing export '{}': {}", e.name(), ex.toString());
            }
        }
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Collects exports, addresses and limits; {@link #start()} opens and binds everything. */
    public static final class Builder {
        private final List<ExportSpec> specs = new ArrayList<>();
        private final List<Export> opened = new ArrayList<>();
        private final List<SocketAddress> listen = new ArrayList<>();
        private long maxPayload = DEFAULT_MAX_PAYLOAD;
        private int maxInFlight = 64;
        private Duration handshakeTimeout = Duration.ofSeconds(30);
        private HandshakePolicy policy = HandshakePolicy.OPEN;
        private RequestHook hook = RequestHook.NONE;

        public Builder export(ExportSpec spec) {
            specs.add(spec);
            return this;
        }

        /** An already opened export (e.g. with test filters stacked by hand). */
        public Builder export(Export export) {
            opened.add(export);
            return this;
        }

        public Builder listen(InetSocketAddress address) {
            listen.add(address);
            return this;
        }

        /** TCP on loopback with an ephemeral port. */
        public Builder listenLoopback() {
            return listen(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
        }

        public Builder unix(Path path) {
            listen.add(UnixDomainSocketAddress.of(path));
            return this;
        }

        public Builder maxPayload(long bytes) {
            if (bytes < 4096 || bytes > MAX_MAX_PAYLOAD) {
                throw new IllegalArgumentException("max payload must be 4K..1G: " + bytes);
            }
            this.maxPayload = bytes;
            return this;
        }

        public Builder maxInFlight(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("max in-flight must be >= 1: " + n);
            }
            this.maxInFlight = n;
            return this;
        }

        public Builder handshakeTimeout(Duration d) {
            this.handshakeTimeout = d;
            return this;
        }

        /** Instrumentation of every request (faults, recordings); see {@link RequestHook}. */
        public Builder hook(RequestHook h) {
            this.hook = h;
            return this;
        }

        public Builder policy(HandshakePolicy p) {
            this.policy = p;
            return this;
        }

        /** Opens every export and binds every address; on failure nothing stays open. */
        public NbdServer start() throws IOException {
            if (listen.isEmpty()) {
                throw new IllegalStateException("nothing to listen on: add listen(...) or unix(...)");
            }
            Map<String, Export> exports = new LinkedHashMap<>();
            NbdServer server = null;
            try {
                for (Export e : opened) {
                    put(exports, e);
                }
                for (ExportSpec s : specs) {
                    put(exports, s.open());
                }
                if (exports.isEmpty()) {
                    throw new IllegalStateException("no exports configured");
                }
                server = new NbdServer(this, exports);
                for (SocketAddress a : listen) {
                    server.bind(a);
                }
            } catch (IOException | RuntimeException e) {
                if (server != null) {
                    server.close();
                } else {
                    for (Export x : exports.values()) {
                        try {
                            x.close();
                        } catch (IOException ignored) {
                            // already failing
                        }
                    }
                }
                throw e;
            }
            server.startAccepting();
            return server;
        }

        private static void put(Map<String, Export> exports, Export e) throws IOException {
            if (exports.putIfAbsent(e.name(), e) != null) {
                e.close();
                throw new IllegalArgumentException("duplicate export name '" + e.name() + "'");
            }
        }
    }
}
