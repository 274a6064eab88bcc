package io.nbdtk.client;

import io.nbdtk.protocol.Command;
import io.nbdtk.protocol.CommandFlags;
import io.nbdtk.protocol.NbdUri;
import io.nbdtk.protocol.ServerEntry;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A handle on one NBD export, over one connection or, when the server advertises CAN_MULTI_CONN
 * and {@link ClientOptions#connections()} asks for more, several (requests are spread round robin;
 * {@link #flush()} flushes all of them).
 *
 * <p>Every command has a blocking form and an asynchronous one returning a
 * {@link CompletableFuture}; many requests may be in flight at once. Asynchronous results complete
 * on an internal executor, never on the socket reader thread. Reads land directly in the caller's
 * {@link ByteBuffer} (from its position, for its remaining bytes). Requests larger than the
 * negotiated maximum are split; offsets and lengths must respect the export's minimum block size.
 * A command or flag the server did not advertise fails with {@link NbdUnsupportedException}
 * before anything is sent.
 *
 * <pre>{@code
 * try (NbdClient nbd = NbdClient.connect("nbd+unix:///disk?socket=/tmp/nbd.sock")) {
 *     ByteBuffer buf = ByteBuffer.allocate(4096);
 *     nbd.read(0, buf);
 * }
 * }</pre>
 */
public final class NbdClient implements Closeable {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ExportInfo info;
    private final List<NbdConnection> connections;
    private final ScheduledThreadPoolExecutor timer;
    private final long maxRequest;
    private final AtomicLong next = new AtomicLong();
    private final Duration drainTimeout;

    private NbdClient(ExportInfo info, List<NbdConnection> connections, ScheduledThreadPoolExecutor timer,
            long maxRequest, Duration drainTimeout) {
        this.info = info;
        this.connections = connections;
        this.timer = timer;
        this.maxRequest = maxRequest;
        this.drainTimeout = drainTimeout;
    }

    // ---------------------------------------------------------------- connecting

    /** Connects to an NBD URI with default options (TLS as the URI says). */
    public static NbdClient connect(String uri) throws IOException {
        return connect(NbdUri.parse(uri), ClientOptions.defaults());
    }

    public static NbdClient connect(NbdUri uri) throws IOException {
        return connect(uri, ClientOptions.defaults());
    }

    public static NbdClient connect(NbdUri uri, ClientOptions options) throws IOException {
        ClientOptions o = forUri(uri, options);
        return open(Target.of(uri), uri.exportName(), o);
    }

    public static NbdClient connectTcp(String host, int port, String exportName, ClientOptions options)
            throws IOException {
        return open(new Target(host, port, null), exportName, options);
    }

    public static NbdClient connectUnix(Path socket, String exportName, ClientOptions options) throws IOException {
        return open(new Target(null, 0, socket.toString()), exportName, options);
    }

    /** NBD_OPT_LIST: the exports the server names (name and description). */
    public static List<ServerEntry> list(NbdUri uri, ClientOptions options) throws IOException {
        ClientOptions o = forUri(uri, options);
        return query(Target.of(uri), o, h -> h.list());
    }

    /** NBD_OPT_INFO: what the export offers, without entering transmission. */
    public static ExportInfo info(NbdUri uri, ClientOptions options) throws IOException {
        ClientOptions o = forUri(uri, options);
        return query(Target.of(uri), o, h -> h.info(uri.exportName()));
    }

    /** NBD_OPT_LIST_META_CONTEXT: the contexts matching {@code queries} (all when empty). */
    public static Map<String, Integer> listMetaContexts(NbdUri uri, ClientOptions options, List<String> queries)
            throws IOException {
        ClientOptions o = forUri(uri, options);
        return query(Target.of(uri), o, h -> h.listMetaContexts(uri.exportName(), queries));
    }

    private static ClientOptions forUri(NbdUri uri, ClientOptions options) {
        if (uri.param("tls-psk-file").isPresent() || uri.param("tls-type").filter(t -> !t.equals("x509")).isPresent()) {
            throw new NbdUnsupportedException("TLS with pre-shared keys is not supported (URI " + uri
                    + "); use X.509 certificates (tls-certificates=DIR)");
        }
        ClientOptions o = options;
        if (o.tls() == null && (uri.tls() || uri.param("tls-certificates").isPresent())) {
            o = o.withTls(TlsOptions.fromUri(uri));
        }
        return uri.tls() ? o.withRequireTls(true) : o;
    }

    /** Where to connect: TCP host and port, or a Unix socket path. */
    private record Target(String host, int port, String socket) {
        static Target of(NbdUri uri) {
            return uri.unix() ? new Target(null, 0, uri.socketPath()) : new Target(uri.host(), uri.port(), null);
        }

        Transport connect(Duration timeout) throws IOException {
            return socket != null ? ChannelTransport.unix(socket) : ChannelTransport.tcp(host, port, timeout);
        }

        String tlsHost() {
            return host != null ? host : "localhost";
        }
    }

    private interface Step<T> {
        T run(Handshake h) throws IOException;
    }

    private static <T> T query(Target target, ClientOptions o, Step<T> step) throws IOException {
        ScheduledThreadPoolExecutor timer = newTimer();
        try {
            Transport t = target.connect(o.connectTimeout());
            Handshake h = new Handshake(t, o, target.tlsHost(), target.port());
            return withDeadline(timer, h, o.handshakeTimeout(), hs -> {
                try {
                    return step.run(h);
                } finally {
                    h.transport().close();
                }
            });
        } finally {
            timer.shutdownNow();
        }
    }

    /** Runs a handshake step; if it takes longer than {@code timeout} the socket is closed under it. */
    private static <T> T withDeadline(ScheduledThreadPoolExecutor timer, Handshake h, Duration timeout,
            Step<T> step) throws IOException {
        AtomicInteger fired = new AtomicInteger();
        ScheduledFuture<?> guard = timer.schedule(() -> {
            fired.set(1);
            h.transport().close();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            return step.run(h);
        } catch (IOException e) {
            if (fired.get() != 0) {
                throw new IOException("handshake with the NBD server timed out after " + timeout.toMillis()
                        + " ms", e);
            }
            throw e;
        } finally {
            guard.cancel(false);
        }
    }

    private static NbdClient open(Target target, String exportName, ClientOptions o) throws IOException {
        ScheduledThreadPoolExecutor timer = newTimer();
        List<NbdConnection> conns = new ArrayList<>();
        try {
            NbdConnection first = openOne(target, exportName, o, timer);
            conns.add(first);
            ExportInfo info = first.info();
            int n = info.canMultiConn() ? o.connections() : 1;
            for (int i = 1; i < n; i++) {
                conns.add(openOne(target, exportName, o, timer));
            }
            return new NbdClient(info, List.copyOf(conns), timer, maxRequest(info, o),
                    o.requestTimeout().isZero() || o.requestTimeout().toSeconds() > 10 ? Duration.ofSeconds(10)
                            : o.requestTimeout());
        } catch (IOException | RuntimeException e) {
            for (NbdConnection c : conns) {
                c.fail(new NbdConnectionClosedException("connect failed", e));
            }
            timer.shutdownNow();
            throw e;
        }
    }

    private static NbdConnection openOne(Target target, String exportName, ClientOptions o,
            ScheduledThreadPoolExecutor timer) throws IOException {
        Transport t = target.connect(o.connectTimeout());
        Handshake h = new Handshake(t, o, target.tlsHost(), target.port());
        ExportInfo info;
        try {
            info = withDeadline(timer, h, o.handshakeTimeout(), hs -> hs.enter(exportName));
        } catch (IOException | RuntimeException e) {
            h.transport().close();
            throw e;
        }
        return new NbdConnection(h.transport(), info, o, maxRequest(info, o), timer);
    }

    private static long maxRequest(ExportInfo info, ClientOptions o) {
        long max = Math.min(info.maximumPayload(), o.maxRequestSize());
        long min = info.minimumBlock();
        return Math.max(min, max - max % min);
    }

    private static ScheduledThreadPoolExecutor newTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nbd-timer-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    // ---------------------------------------------------------------- state

    public ExportInfo info() {
        return info;
    }

    public long size() {
        return info.size();
    }

    /** Connections actually open (1 unless the server allows multi-conn). */
    public int connectionCount() {
        return connections.size();
    }

    /** True once any connection has closed (by {@link #close()}, the server, an error or a timeout). */
    public boolean isClosed() {
        for (NbdConnection c : connections) {
            if (c.isClosed()) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- commands

    /** Reads {@code dst.remaining()} bytes at {@code offset} into {@code dst}, advancing its position. */
    public void read(long offset, ByteBuffer dst) throws IOException {
        await(read(offset, dst, 0, true));
    }

    public void read(long offset, ByteBuffer dst, int flags) throws IOException {
        await(read(offset, dst, flags, true));
    }

    public byte[] read(long offset, int length) throws IOException {
        byte[] b = new byte[length];
        read(offset, ByteBuffer.wrap(b));
        return b;
    }

    public CompletableFuture<Void> readAsync(long offset, ByteBuffer dst) {
        return readAsync(offset, dst, 0);
    }

    /** Flags: {@link CommandFlags#DF} (if advertised). */
    public CompletableFuture<Void> readAsync(long offset, ByteBuffer dst, int flags) {
        return read(offset, dst, flags, false);
    }

    private CompletableFuture<Void> read(long offset, ByteBuffer dst, int flags, boolean direct) {
        try {
            int length = dst.remaining();
            checkFlags(Command.READ, flags, CommandFlags.DF);
            checkRange(offset, length);
            ByteBuffer whole = dst.slice();
            List<CompletableFuture<Object>> parts = new ArrayList<>();
            for (int done = 0; done < length; done += (int) Math.min(maxRequest, length - done)) {
                int n = (int) Math.min(maxRequest, length - done);
                ByteBuffer part = whole.duplicate().position(done).limit(done + n).slice();
                parts.add(pick().submit(Command.READ, flags, offset + done, n, null, part, direct));
            }
            return all(parts).thenRun(() -> dst.position(dst.position() + length));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Writes {@code src.remaining()} bytes at {@code offset}, advancing its position. */
    public void write(long offset, ByteBuffer src) throws IOException {
        await(write(offset, src, 0, true));
    }

    public void write(long offset, ByteBuffer src, int flags) throws IOException {
        await(write(offset, src, flags, true));
    }

    public void write(long offset, byte[] data) throws IOException {
        write(offset, ByteBuffer.wrap(data));
    }

    public CompletableFuture<Void> writeAsync(long offset, ByteBuffer src) {
        return writeAsync(offset, src, 0);
    }

    /** Flags: {@link CommandFlags#FUA}. */
    public CompletableFuture<Void> writeAsync(long offset, ByteBuffer src, int flags) {
        return write(offset, src, flags, false);
    }

    private CompletableFuture<Void> write(long offset, ByteBuffer src, int flags, boolean direct) {
        try {
            requireWritable("write");
            int length = src.remaining();
            checkFlags(Command.WRITE, flags, CommandFlags.FUA);
            checkRange(offset, length);
            ByteBuffer whole = src.slice();
            List<CompletableFuture<Object>> parts = new ArrayList<>();
            for (int done = 0; done < length; done += (int) Math.min(maxRequest, length - done)) {
                int n = (int) Math.min(maxRequest, length - done);
                ByteBuffer part = whole.duplicate().position(done).limit(done + n).slice();
                parts.add(pick().submit(Command.WRITE, flags, offset + done, n, part, null, direct));
            }
            return all(parts).thenRun(() -> src.position(src.position() + length));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Makes every write already completed durable, on every connection. */
    public void flush() throws IOException {
        await(flush(true));
    }

    public CompletableFuture<Void> flushAsync() {
        return flush(false);
    }

    private CompletableFuture<Void> flush(boolean direct) {
        try {
            require(info.canFlush(), "NBD_CMD_FLUSH (server did not advertise SEND_FLUSH)");
            List<CompletableFuture<Object>> parts = new ArrayList<>();
            for (NbdConnection c : connections) {
                parts.add(c.submit(Command.FLUSH, 0, 0, 0, null, null, direct));
            }
            return all(parts);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Hints that the range is no longer needed. Flags: {@link CommandFlags#FUA}. */
    public void trim(long offset, long length, int flags) throws IOException {
        await(ranged(Command.TRIM, offset, length, flags, true));
    }

    public CompletableFuture<Void> trimAsync(long offset, long length, int flags) {
        return ranged(Command.TRIM, offset, length, flags, false);
    }

    /**
     * Writes zeros without sending them. Flags: {@link CommandFlags#FUA},
     * {@link CommandFlags#NO_HOLE}, {@link CommandFlags#FAST_ZERO}.
     */
    public void zero(long offset, long length, int flags) throws IOException {
        await(ranged(Command.WRITE_ZEROES, offset, length, flags, true));
    }

    public CompletableFuture<Void> zeroAsync(long offset, long length, int flags) {
        return ranged(Command.WRITE_ZEROES, offset, length, flags, false);
    }

    /** Prefetch hint. */
    public void cache(long offset, long length) throws IOException {
        await(ranged(Command.CACHE, offset, length, 0, true));
    }

    public CompletableFuture<Void> cacheAsync(long offset, long length) {
        return ranged(Command.CACHE, offset, length, 0, false);
    }

    private CompletableFuture<Void> ranged(Command command, long offset, long length, int flags, boolean direct) {
        try {
            switch (command) {
                case TRIM:
                    requireWritable("trim");
                    require(info.canTrim(), "NBD_CMD_TRIM (server did not advertise SEND_TRIM)");
                    checkFlags(command, flags, CommandFlags.FUA);
                    break;
                case WRITE_ZEROES:
                    requireWritable("write zeroes");
                    require(info.canZero(), "NBD_CMD_WRITE_ZEROES (server did not advertise SEND_WRITE_ZEROES)");
                    checkFlags(command, flags, CommandFlags.FUA | CommandFlags.NO_HOLE | CommandFlags.FAST_ZERO);
                    break;
                default:
                    require(info.canCache(), "NBD_CMD_CACHE (server did not advertise SEND_CACHE)");
                    checkFlags(command, flags, 0);
            }
            checkRange(offset, length);
            // payload-less commands may exceed the payload maximum, but compact headers carry u32
            long step = info.extendedHeaders() ? Long.MAX_VALUE : (1L << 31);
            List<CompletableFuture<Object>> parts = new ArrayList<>();
            for (long done = 0; done < length; done += Math.min(step, length - done)) {
                parts.add(pick().submit(command, flags, offset + done, Math.min(step, length - done), null, null,
                        direct));
            }
            return all(parts);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Allocation/metadata status from {@code offset} for up to {@code length} bytes, for every
     * selected context. Flags: {@link CommandFlags#REQ_ONE}.
     */
    public BlockStatus blockStatus(long offset, long length, int flags) throws IOException {
        return await(blockStatus(offset, length, flags, true));
    }

    public CompletableFuture<BlockStatus> blockStatusAsync(long offset, long length, int flags) {
        return blockStatus(offset, length, flags, false);
    }

    private CompletableFuture<BlockStatus> blockStatus(long offset, long length, int flags, boolean direct) {
        try {
            require(info.canBlockStatus(), "NBD_CMD_BLOCK_STATUS (no metadata context was negotiated)");
            checkFlags(Command.BLOCK_STATUS, flags, CommandFlags.REQ_ONE);
            checkRange(offset, length);
            long n = info.extendedHeaders() ? length : Math.min(length, 0xFFFFFFFFL - (0xFFFFFFFFL % info.minimumBlock()));
            return pick().submit(Command.BLOCK_STATUS, flags, offset, n, null, null, direct)
                    .thenApply(BlockStatus.class::cast);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Round robin, but skipping to a connection with fewer requests in flight when there is one. */
    private NbdConnection pick() {
        int n = connections.size();
        if (n == 1) {
            return connections.get(0);
        }
        int start = (int) Math.floorMod(next.getAndIncrement(), (long) n);
        NbdConnection best = connections.get(start);
        int bestLoad = best.inFlight();
        for (int i = 1; i < n && bestLoad > 0; i++) {
            NbdConnection c = connections.get((start + i) % n);
            int load = c.inFlight();
            if (load < bestLoad) {
                best = c;
                bestLoad = load;
            }
        }
        return best;
    }

    private void requireWritable(String what) {
        if (info.isReadOnly()) {
            throw new NbdUnsupportedException("cannot " + what + ": export '" + info.name() + "' is read-only");
        }
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new NbdUnsupportedException("not supported by this export: " + what);
        }
    }

    private void checkFlags(Command command, int flags, int allowed) {
        if ((flags & ~allowed) != 0) {
            throw new IllegalArgumentException("flags " + CommandFlags.describe(flags & ~allowed)
                    + " are not valid for NBD_CMD_" + command);
        }
        if ((flags & CommandFlags.FUA) != 0) {
            require(info.canFua(), "FUA flag (server did not advertise SEND_FUA)");
        }
        if ((flags & CommandFlags.DF) != 0) {
            require(info.canDf(), "DF flag (server did not advertise SEND_DF)");
        }
        if ((flags & CommandFlags.FAST_ZERO) != 0) {
            require(info.canFastZero(), "FAST_ZERO flag (server did not advertise SEND_FAST_ZERO)");
        }
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || length > info.size() || offset > info.size() - length) {
            throw new IllegalArgumentException("range [" + offset + ", +" + length + ") is outside the export ("
                    + info.size() + " bytes)");
        }
        long min = info.minimumBlock();
        if (min > 1 && (offset % min != 0 || (length % min != 0 && offset + length != info.size()))) {
            throw new IllegalArgumentException("range [" + offset + ", +" + length
                    + ") is not aligned to the export's minimum block size " + min);
        }
    }

    /** Zero-length requests are never sent (the spec leaves them unspecified): they just succeed. */
    private static CompletableFuture<Void> all(List<CompletableFuture<Object>> parts) {
        if (parts.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (parts.size() == 1) {
            return parts.get(0).thenApply(v -> null);
        }
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]));
    }

    private static <T> T await(CompletableFuture<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the NBD server");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof NbdCommandException) {
                NbdCommandException n = (NbdCommandException) c;
                // rethrow a fresh copy so the stack trace shows the caller
                NbdCommandException copy = new NbdCommandException(n.command(), n.errorCode(), n.serverMessage(),
                        n.errorOffset());
                copy.initCause(n);
                throw copy;
            }
            if (c instanceof NbdConnectionClosedException) {
                throw new NbdConnectionClosedException(c.getMessage(), c);
            }
            if (c instanceof IOException) {
                throw new IOException(c.getMessage(), c);
            }
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            throw new IOException(c);
        }
    }

    /** Waits for requests in flight, sends NBD_CMD_DISC on every connection and closes them. */
    @Override
    public void close() {
        try {
            for (NbdConnection c : connections) {
                c.close(drainTimeout);
            }
        } finally {
            timer.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "NbdClient[" + info + ", connections=" + connections.size() + "]";
    }
}
