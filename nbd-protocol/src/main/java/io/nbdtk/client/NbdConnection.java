package io.nbdtk.client;

import io.nbdtk.protocol.BlockStatusChunk;
import io.nbdtk.protocol.ChunkHeader;
import io.nbdtk.protocol.ChunkType;
import io.nbdtk.protocol.Command;
import io.nbdtk.protocol.CommandFlags;
import io.nbdtk.protocol.ErrorChunk;
import io.nbdtk.protocol.Limits;
import io.nbdtk.protocol.Magic;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.protocol.OffsetData;
import io.nbdtk.protocol.OffsetHole;
import io.nbdtk.protocol.ProtocolException;
import io.nbdtk.protocol.RequestHeader;
import io.nbdtk.protocol.SimpleReplyHeader;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection in transmission phase: requests are written by the calling threads (one at a
 * time), a reader thread matches replies to requests by cookie, reassembles structured replies
 * straight into the callers' buffers and completes the futures. Any protocol violation, I/O
 * error or request timeout closes the connection and fails every pending request.
 */
final class NbdConnection {
    private static final Logger LOG = LoggerFactory.getLogger(NbdConnection.class);

    private final Transport transport;
    private final ExportInfo info;
    private final Map<Integer, String> contextNames = new ConcurrentHashMap<>();
    private final Duration requestTimeout;
    private final ScheduledFuture<?> sweeper;
    private final ExecutorService ownCompleter;
    private final Executor completer;
    private final Limits limits;
    private final boolean extended;
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong cookies = new AtomicLong(1);
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ByteBuffer headerOut = ByteBuffer.allocateDirect(RequestHeader.EXTENDED_SIZE);
    private final AtomicReference<Throwable> closed = new AtomicReference<>();
    private final AtomicBoolean disconnecting = new AtomicBoolean();
    private final Thread reader;

    NbdConnection(Transport transport, ExportInfo info, ClientOptions options, long maxRequest,
            ScheduledExecutorService timer) {
        this.transport = transport;
        this.info = info;
        this.requestTimeout = options.requestTimeout();
        // by default one completion thread per connection: callbacks never run on (or block) the reader
        this.ownCompleter = options.completionExecutor() == null ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nbd-complete-" + transport.describe());
            t.setDaemon(true);
            return t;
        }) : null;
        this.completer = ownCompleter != null ? ownCompleter : options.completionExecutor();
        this.limits = Limits.DEFAULT.withMaxPayload(maxRequest);
        this.extended = info.extendedHeaders();
        info.metaContexts().forEach((name, id) -> contextNames.put(id, name));
        this.reader = new Thread(this::readLoop, "nbd-reader-" + transport.describe());
        reader.setDaemon(true);
        reader.start();
        if (requestTimeout.isZero()) {
            sweeper = null;
        } else {
            // one periodic sweep instead of a timer per request: cheap on the hot path
            long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(10),
                    Math.min(TimeUnit.SECONDS.toNanos(1), requestTimeout.toNanos() / 4));
            sweeper = timer.scheduleAtFixedRate(this::sweep, tick, tick, TimeUnit.NANOSECONDS);
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Pending p : pending.values()) {
            if (!p.answered && now - p.startNanos > requestTimeout.toNanos()) {
                timedOut(p);
                return;
            }
        }
    }

    ExportInfo info() {
        return info;
    }

    boolean isClosed() {
        return closed.get() != null;
    }

    int inFlight() {
        return pending.size();
    }

    /**
     * Sends one request. {@code payload} (WRITE only) is sent after the header; {@code destination}
     * (READ only) receives the data. The future completes with null, or a {@link BlockStatus}.
     */
    CompletableFuture<Object> submit(Command command, int flags, long offset, long length, ByteBuffer payload,
            ByteBuffer destination, boolean direct) {
        Pending p = new Pending(command, offset, length, destination, direct);
        Throwable cause = closed.get();
        if (cause != null) {
            p.future.completeExceptionally(closedException(cause));
            return p.future;
        }
        long cookie = cookies.getAndIncrement();
        pending.put(cookie, p);
        if (payload != null && extended) {
            flags |= CommandFlags.PAYLOAD_LEN;
        }
        writeLock.lock();
        try {
            if (closed.get() != null) {
                throw closedException(closed.get());
            }
            headerOut.clear();
            new RequestHeader(flags, command.code(), cookie, offset, length).encode(headerOut, extended);
            headerOut.flip();
            if (payload == null) {
                transport.write(headerOut);
            } else {
                transport.write(headerOut, payload);
            }
        } catch (IOException e) {
            fail(e);
        } finally {
            writeLock.unlock();
        }
        if (closed.get() != null && pending.remove(cookie) != null) {
            p.future.completeExceptionally(closedException(closed.get()));
        }
        return p.future;
    }

    private void timedOut(Pending p) {
        if (!p.answered) {
            IOException e = new IOException(p.describe() + " got no reply within " + requestTimeout.toMillis()
                    + " ms: server stalled, connection closed");
            fail(e);
            if (!p.answered) {
                finishExceptionally(p, closedException(e));
            }
        }
    }

    /**
     * Soft disconnect: waits (bounded) for requests in flight, sends NBD_CMD_DISC and closes.
     */
    void close(Duration drain) {
        if (closed.get() != null) {
            return;
        }
        long deadline = System.nanoTime() + drain.toNanos();
        for (Pending p : pending.values()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                p.future.handle((v, e) -> null).get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                break;
            }
        }
        boolean locked;
        try {
            locked = writeLock.tryLock(1, TimeUnit.SECONDS); // a writer stuck on a dead server: skip DISC
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            locked = false;
        }
        if (locked) {
            try {
                if (closed.get() == null) {
                    headerOut.clear();
                    new RequestHeader(0, Command.DISC.code(), cookies.getAndIncrement(), 0, 0)
                            .encode(headerOut, extended);
                    headerOut.flip();
                    transport.write(headerOut);
                }
            } catch (IOException e) {
                LOG.debug("could not send NBD_CMD_DISC: {}", e.toString());
            } finally {
                writeLock.unlock();
            }
        }
        fail(new NbdConnectionClosedException("connection closed by the client", null));
    }

    /** Closes the connection because of {@code cause} and fails everything pending. Idempotent. */
    void fail(Throwable cause) {
        if (!closed.compareAndSet(null, cause)) {
            return;
        }
        if (!(cause instanceof NbdConnectionClosedException)) {
            LOG.debug("connection {} failed: {}", transport.describe(), cause.toString());
        }
        transport.close();
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        for (Long cookie : new ArrayList<>(pending.keySet())) {
            Pending p = pending.remove(cookie);
            if (p != null) {
                finishExceptionally(p, closedException(cause));
            }
        }
        if (ownCompleter != null) {
            ownCompleter.shutdown(); // queued completions still run
        }
    }

    private NbdConnectionClosedException closedException(Throwable cause) {
        if (cause instanceof NbdConnectionClosedException) {
            return new NbdConnectionClosedException(cause.getMessage(), cause);
        }
        return new NbdConnectionClosedException("connection to " + transport.describe() + " closed: "
                + cause.getMessage(), cause);
    }

    private void readLoop() {
        ByteBuffer magic = ByteBuffer.allocate(4);
        ByteBuffer rest = ByteBuffer.allocate(ChunkHeader.EXTENDED_SIZE);
        ByteBuffer small = ByteBuffer.allocate(16);
        try {
            while (true) {
                magic.clear();
                transport.readFully(magic);
                int m = magic.getInt(0);
                int size = Magic.replyHeaderSize(m);
                rest.clear().limit(size - 4);
                transport.readFully(rest);
                rest.flip();
                if (m == Magic.SIMPLE_REPLY) {
                    if (extended) {
                        throw new ProtocolException("simple reply although extended headers were negotiated");
                    }
                    simpleReply(SimpleReplyHeader.decodeAfterMagic(rest));
                } else {
                    boolean ext = m == Magic.EXTENDED_REPLY;
                    if (!info.structuredReplies()) {
                        throw new ProtocolException("structured reply although none was negotiated");
                    }
                    if (ext != extended) {
                        throw new ProtocolException((ext ? "extended" : "compact") + " reply header although "
                                + (extended ? "extended" : "compact") + " headers were negotiated");
                    }
                    chunk(ChunkHeader.decodeAfterMagic(rest, ext, limits), small);
                }
            }
        } catch (Throwable e) {
            Throwable c = closed.get();
            if (c == null && e instanceof EOFException) {
                fail(new EOFException("server closed the connection" + (pending.isEmpty() ? ""
                        : " with " + pending.size() + " request(s) pending")));
            } else {
                fail(e);
            }
        }
    }

    private Pending lookup(long cookie, String what) throws ProtocolException {
        Pending p = pending.get(cookie);
        if (p == null) {
            throw new ProtocolException(what + " for unknown cookie " + cookie
                    + " (never sent, or already answered)");
        }
        return p;
    }

    private void simpleReply(SimpleReplyHeader h) throws IOException {
        Pending p = lookup(h.cookie(), "simple reply");
        if (p.command == Command.READ && info.structuredReplies()) {
            throw new ProtocolException("simple reply to " + p.describe() + " although structured replies were"
                    + " negotiated");
        }
        if (h.error() != 0) {
            pending.remove(h.cookie());
            finishExceptionally(p, new NbdCommandException(p.describe(), h.error(), "", OptionalLong.empty()));
            return;
        }
        if (p.command == Command.READ) {
            ByteBuffer dst = p.destination.duplicate();
            dst.clear().limit((int) p.length);
            transport.readFully(dst);
        }
        pending.remove(h.cookie());
        finish(p, null);
    }

    private void chunk(ChunkHeader h, ByteBuffer small) throws IOException {
        Pending p = lookup(h.cookie(), "reply chunk " + ChunkType.nameOf(h.type()));
        ChunkType type = h.knownType();
        if (type == null && !h.isError()) {
            throw new ProtocolException("unknown chunk type " + h.type() + " for " + p.describe());
        }
        if (type == null || type == ChunkType.ERROR || type == ChunkType.ERROR_OFFSET) {
            ByteBuffer payload = ByteBuffer.allocate((int) h.length()); // bounded by limits
            transport.readFully(payload);
            ErrorChunk e = ErrorChunk.decode(h, payload.flip(), limits);
            if (p.error == null) {
                p.error = e;
            }
        } else {
            switch (type) {
                case NONE:
                    if (h.length() != 0) {
                        throw new ProtocolException("NONE chunk with length " + h.length());
                    }
                    break;
                case OFFSET_DATA:
                    dataChunk(p, h, small);
                    break;
                case OFFSET_HOLE:
                    holeChunk(p, h, small);
                    break;
                case BLOCK_STATUS:
                case BLOCK_STATUS_EXT:
                    blockStatusChunk(p, h);
                    break;
                default:
                    throw new ProtocolException("unexpected " + ChunkType.nameOf(h.type()));
            }
        }
        if (h.isDone()) {
            complete(p); // may throw: then p is still pending and fails with the connection
            pending.remove(h.cookie());
        }
    }

    private void dataChunk(Pending p, ChunkHeader h, ByteBuffer small) throws IOException {
        if (p.command != Command.READ) {
            throw new ProtocolException("OFFSET_DATA chunk in the reply to " + p.describe());
        }
        long dataLength = OffsetData.dataLength(h);
        small.clear().limit(OffsetData.HEADER_SIZE);
        transport.readFully(small);
        long at = OffsetData.decode(small.flip()).offset();
        int rel = checkRange(p, at, dataLength, "OFFSET_DATA");
        ByteBuffer dst = p.destination.duplicate();
        dst.clear().position(rel).limit(rel + (int) dataLength);
        transport.readFully(dst);
    }

    private void holeChunk(Pending p, ChunkHeader h, ByteBuffer small) throws IOException {
        if (p.command != Command.READ) {
            throw new ProtocolException("OFFSET_HOLE chunk in the reply to " + p.describe());
        }
        if (h.length() != OffsetHole.SIZE) {
            throw new ProtocolException("OFFSET_HOLE chunk length must be 12, got " + h.length());
        }
        small.clear().limit(OffsetHole.SIZE);
        transport.readFully(small);
        OffsetHole hole = OffsetHole.decode(h, small.flip());
        int rel = checkRange(p, hole.offset(), hole.lengthUnsigned(), "OFFSET_HOLE");
        ByteBuffer dst = p.destination;
        for (int i = rel, end = rel + (int) hole.lengthUnsigned(); i < end; i++) {
            dst.put(i, (byte) 0);
        }
    }

    /** Checks a content chunk lies inside the request and records it; returns its relative start. */
    private int checkRange(Pending p, long at, long length, String what) throws ProtocolException {
        long rel = at - p.offset;
        if (Long.compareUnsigned(at, p.offset) < 0 || Long.compareUnsigned(rel, p.length) >= 0
                || Long.compareUnsigned(length, p.length - rel) > 0) {
            throw new ProtocolException(what + " chunk [" + Long.toUnsignedString(at) + ", +" + length
                    + ") lies outside " + p.describe());
        }
        p.cover(rel, rel + length);
        return (int) rel;
    }

    private void blockStatusChunk(Pending p, ChunkHeader h) throws IOException {
        if (p.command != Command.BLOCK_STATUS) {
            throw new ProtocolException(ChunkType.nameOf(h.type()) + " chunk in the reply to " + p.describe());
        }
        if ((h.type() == ChunkType.BLOCK_STATUS_EXT.code()) != extended) {
            throw new ProtocolException(ChunkType.nameOf(h.type()) + " does not match the negotiated headers");
        }
        ByteBuffer payload = ByteBuffer.allocate((int) h.length()); // bounded by limits
        transport.readFully(payload);
        BlockStatusChunk c = BlockStatusChunk.decode(h, payload.flip());
        String name = contextNames.get(c.contextId());
        if (name == null) {
            throw new ProtocolException("block status for unknown context id " + c.contextId());
        }
        p.addExtents(name, c.extents());
    }

    private void complete(Pending p) throws ProtocolException {
        if (p.error != null) {
            ErrorChunk e = p.error;
            finishExceptionally(p, new NbdCommandException(p.describe(), e.error(), e.message(), e.offset()));
            return;
        }
        if (p.command == Command.READ) {
            List<long[]> ranges = p.covered == null ? List.of() : p.covered;
            if (ranges.size() > 1) {
                ranges.sort(Comparator.comparingLong(r -> r[0]));
            }
            long next = 0;
            for (long[] r : ranges) {
                if (r[0] != next) {
                    throw new ProtocolException("reply to " + p.describe() + (r[0] < next ? " has overlapping"
                            : " leaves a gap before") + " relative offset " + r[0]);
                }
                next = r[1];
            }
            if (next != p.length) {
                throw new ProtocolException("reply to " + p.describe() + " covered only " + next + " bytes");
            }
            finish(p, null);
        } else if (p.command == Command.BLOCK_STATUS) {
            if (p.extents == null) {
                throw new ProtocolException("reply to " + p.describe() + " carried no block status");
            }
            finish(p, new BlockStatus(p.offset, p.extents));
        } else {
            finish(p, null);
        }
    }

    private void finish(Pending p, Object value) {
        p.answered = true;
        if (p.direct) {
            p.future.complete(value);
        } else {
            dispatch(() -> p.future.complete(value));
        }
    }

    private void finishExceptionally(Pending p, Throwable e) {
        p.answered = true;
        if (e instanceof NbdCommandException && ((NbdCommandException) e).error() == NbdError.ESHUTDOWN) {
            shutdownRequested();
        }
        if (p.direct) {
            p.future.completeExceptionally(e);
        } else {
            dispatch(() -> p.future.completeExceptionally(e));
        }
    }

    /** The spec: after ESHUTDOWN the client must soft-disconnect (finish what is pending, DISC). */
    private void shutdownRequested() {
        if (closed.get() == null && !disconnecting.getAndSet(true)) {
            Thread t = new Thread(() -> close(Duration.ofSeconds(10)), "nbd-shutdown-" + transport.describe());
            t.setDaemon(true);
            t.start();
        }
    }

    private void dispatch(Runnable completion) {
        try {
            completer.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run(); // client already shut down: complete here rather than never
        }
    }

    /** Waits (bounded) for the reader thread to end, for tests and orderly shutdown. */
    void awaitReader(Duration d) throws InterruptedException {
        reader.join(Math.max(1, d.toMillis()));
    }

    @Override
    public String toString() {
        return "NbdConnection[" + transport.describe() + ", " + info + "]";
    }
}
