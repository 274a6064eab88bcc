package io.nbdtk.server;

import io.nbdtk.protocol.BlockStatusChunk;
import io.nbdtk.protocol.ChunkHeader;
import io.nbdtk.protocol.ChunkType;
import io.nbdtk.protocol.Command;
import io.nbdtk.protocol.CommandFlags;
import io.nbdtk.protocol.ErrorChunk;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.protocol.OffsetData;
import io.nbdtk.protocol.OffsetHole;
import io.nbdtk.protocol.ProtocolException;
import io.nbdtk.protocol.ReplyFlags;
import io.nbdtk.protocol.RequestHeader;
import io.nbdtk.protocol.SimpleReplyHeader;
import io.nbdtk.server.filter.FaultAction;
import io.nbdtk.server.os.SocketSplice;
import io.nbdtk.server.store.BlockStore;
import io.nbdtk.server.store.Capability;
import io.nbdtk.server.store.Extent;
import io.nbdtk.server.store.StoreException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmission phase of one connection: requests (and WRITE payloads) are read strictly in
 * order, served concurrently by up to {@code maxInFlight} threads, and answered as they finish,
 * out of order, through the connection's {@link ReplyWriter}. When every thread is busy the
 * socket is not read, so a fast client is slowed down by TCP, not buffered in memory.
 */
final class Transmission {
    private static final Logger log = LoggerFactory.getLogger(Transmission.class);
    /** Reads at least this long go store -> socket by transferTo when the transport allows it. */
    private static final int ZERO_COPY_MIN = Integer.getInteger("nbdtk.zeroCopyMin", 16 * 1024);
    /**
     * Reads at least this long from a file export go file -> socket by splice
     * ({@link Capability#SPLICE_TO}); shorter ones are read into a buffer and written. Splicing
     * 1 MiB reads doubled their speed at half the CPU, but 256 KiB reads with 64 in flight on
     * 4 connections were 15% faster through a buffer (docs/benchmarks.md).
     */
    private static final int SPLICE_READ_MIN = Integer.getInteger("nbdtk.spliceReadMin", 512 * 1024);
    /**
     * Reads at least this long from a file export with {@link Capability#MAPPED_READS} are sent
     * from the file's mapping; shorter ones go through the collected (corked) replies. 64 KiB
     * reads were 20-30% faster from the mapping than through a buffer, 4-16 KiB level.
     */
    private static final int MAPPED_READ_MIN = Integer.getInteger("nbdtk.mappedReadMin", 16 * 1024);
    /** Structured reads at least this long ask the store for holes, to send them as OFFSET_HOLE. */
    private static final int SPARSE_READ_MIN = 64 * 1024;
    /**
     * Requests up to this length on an {@link Capability#INLINE} store are served by the thread
     * that read them, with corked replies: for in-memory work a thread hand-off costs more than
     * the work. Longer ones (and every request on other stores) go through the turn-taking threads.
     */
    private static final long INLINE_MAX = Long.getLong("nbdtk.inlineMax", 1 << 20);
    /** A rejected payload above this is not drained: the peer is dropped instead (a DoS guard). */
    private static final long MAX_DRAINED_PAYLOAD = 1L << 32;

    private final ServerContext ctx;
    private final Session s;
    private final Export export;
    private final BlockStore store;
    private final boolean structured;
    private final boolean extended;
    private final ReplyWriter out;
    private final ReentrantLock readLock = new ReentrantLock();
    private final AtomicInteger threads = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile boolean stop;
    private volatile IOException failure;
    private final long connection;
    private final RequestHook hook;
    /** Whether small requests are served on the reading thread (see {@link #INLINE_MAX}). */
    private final boolean inline;
    /**
     * Whether inline WRITE payloads go from the socket straight into the store's memory
     * ({@link BlockStore#transferFrom}): the reader serves them while their payload is the next
     * thing on the wire, so the copy out of a payload buffer disappears.
     */
    private final boolean receiveDirect;
    /** Splices WRITE payloads from the socket (into a file export, or through its pipe into memory); null when not used. */
    private final SocketSplice splice;
    /** Splices READ data from a file export into the socket (under the reply lock); null when not used. */
    private final SocketSplice sendSplice;
    /** The shortest read sent through {@link #sendSplice}. */
    private final int sendSpliceMin;

    Transmission(ServerContext ctx, Session s, long connection) {
        this.ctx = ctx;
        this.s = s;
        this.export = s.export();
        this.store = export.store();
        this.structured = s.structuredReplies();
        this.extended = s.extendedHeaders();
        this.out = new ReplyWriter(s.channel(), s.zeroCopyTarget(), ctx.hook);
        this.connection = connection;
        this.hook = ctx.hook;
        // instrumentation may delay or fail requests on purpose: those need their own threads
        this.inline = export.can(Capability.INLINE) && hook == RequestHook.NONE;
        this.splice = inline && (export.can(Capability.SPLICE_FROM) || export.can(Capability.TRANSFER_FROM))
                ? openSplice(s) : null;
        this.receiveDirect = inline && (export.can(Capability.TRANSFER_FROM) || splice != null);
        this.sendSplice = export.can(Capability.SPLICE_TO) ? openSplice(s) : null;
        this.sendSpliceMin = export.can(Capability.MAPPED_READS) ? MAPPED_READ_MIN : SPLICE_READ_MIN;
        s.input().beforeRead(out::flush);
    }

    /** A splice from this connection's socket: only on a plain socket (not TLS) where the JDK allows. */
    private static SocketSplice openSplice(Session s) {
        if (s.zeroCopyTarget() == null) {
            return null;
        }
        SocketSplice.Result r = SocketSplice.open(s.zeroCopyTarget());
        if (r.splice() == null) {
            log.debug("{}: no splice, payloads and read data go through buffers: {}", s.peer().remote(), r.status());
        }
        return r.splice();
    }

    /** A request the reader refused before dispatch, with the error to send. */
    private static final class Refused extends Exception {
        final NbdError error;

        Refused(NbdError error, String message) {
            super(message, null, false, false);
            this.error = error;
        }
    }

    /**
     * A request read off the wire, ready to serve: its WRITE payload already read into
     * {@code data}, or, when {@code receive}, still on the wire for the store to receive.
     */
    private record Request(RequestHeader header, Command cmd, ByteBuffer data, Object token, boolean receive) {
        Request(RequestHeader header, Command cmd, ByteBuffer data, Object token) {
            this(header, cmd, data, token, false);
        }
    }

    /** Marks a request that was refused and answered while it was read. */
    private static final Request ANSWERED = new Request(null, null, null, null);

    /**
     * Serves requests until DISC, end of stream or a framing error, then waits until every request
     * already read has been answered (the spec requires it for DISC).
     *
     * <p>Threads take turns as the reader (nbdkit's model): whoever holds the read lock reads the
     * next request, then serves it itself while another thread reads. No hand-off between threads
     * on the hot path, requests are still read strictly in order, and the number of threads (at
     * most {@code maxInFlight}, started only when all are busy) bounds the requests in flight.
     * Small requests to in-memory stores are served by the reader itself, without giving up its
     * turn, and their replies are collected and written together before it waits for more input.
     */
    void run() throws IOException {
        threads.set(1);
        loop();
        synchronized (this) {
            while (threads.get() > 0) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (threads.get() == 0) {
            // no thread can be splicing now; after an interrupted wait the descriptors are left
            // open rather than closed under a thread that may still use their numbers
            if (splice != null) {
                splice.close();
            }
            if (sendSplice != null) {
                sendSplice.close();
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void loop() {
        try {
            while (!stop) {
                Request r;
                waiting.incrementAndGet();
                readLock.lock();
                try {
                    r = readServingInline();
                } finally {
                    waiting.decrementAndGet();
                    try {
                        out.uncork();
                    } finally {
                        readLock.unlock();
                    }
                }
                if (r == null) {
                    return;
                }
                if (r != ANSWERED) {
                    growIfAllBusy();
                    serve(r);
                }
            }
        } catch (IOException | RuntimeException e) {
            stop = true;
            failure = e instanceof IOException io ? io : new IOException(e);
        } finally {
            if (threads.decrementAndGet() == 0) {
                synchronized (this) {
                    notifyAll();
                }
            }
        }
    }

    /**
     * Holding the read lock: reads requests, serving inline ones at once, until one must be served
     * by a thread of its own (returned), or DISC / end of stream (null).
     */
    private Request readServingInline() throws IOException {
        if (inline) {
            out.cork();
        }
        while (!stop) {
            Request r = readNext();
            if (r == null || r == ANSWERED || !servesInline(r)) {
                return r;
            }
            serve(r); // with the read lock held, as a received payload must be
        }
        return null;
    }

    private boolean servesInline(Request r) {
        return r.receive() || (inline && Long.compareUnsigned(r.header().length(), INLINE_MAX) <= 0);
    }

    /** Starts one more serving thread when none is left to read the next request. */
    private void growIfAllBusy() {
        while (waiting.get() == 0 && !stop) {
            int t = threads.get();
            if (t >= ctx.maxInFlight) {
                return;
            }
            if (threads.compareAndSet(t, t + 1)) {
                try {
                    ctx.workers.execute(this::loop);
                } catch (RejectedExecutionException e) {
                    threads.decrementAndGet(); // shutting down: the current threads carry on
                }
                return;
            }
        }
    }

    /**
     * Reads one request (holding the read lock): null at DISC or end of stream, {@link #ANSWERED}
     * when it was refused (payload drained, error sent); throws on framing errors.
     */
    private Request readNext() throws IOException {
        ByteBuffer h;
        try {
            h = s.input().next(RequestHeader.size(extended));
        } catch (EOFException e) {
            if (!ctx.shuttingDown) {
                log.debug("{}: peer went away: {}", s.peer().remote(), e.getMessage());
            }
            stop = true;
            return null;
        }
        RequestHeader req;
        try {
            req = RequestHeader.decode(h, extended);
        } catch (ProtocolException e) {
            stop = true;
            throw new IOException("dropping connection: " + e.getMessage());
        }
        Command cmd = req.command();
        Object token = hook.arrived(connection, export.name(), req.type(), req.cookie(), req.offset(), req.length(),
                req.flags());
        if (cmd == Command.DISC) {
            hook.replied(token, 0);
            log.debug("{}: DISC", s.peer().remote());
            stop = true;
            return null;
        }
        long payload = req.payloadLength(extended);
        try {
            check(req, cmd, payload);
        } catch (Refused r) {
            if (payload != 0) {
                if (Long.compareUnsigned(payload, MAX_DRAINED_PAYLOAD) > 0) {
                    stop = true;
                    throw new IOException("dropping connection: request declares a "
                            + Long.toUnsignedString(payload) + "-byte payload");
                }
                s.input().skip(payload);
            }
            log.debug("{}: {} refused: {} {}", s.peer().remote(), req, r.error, r.getMessage());
            sendError(req, r.error, r.getMessage());
            hook.replied(token, r.error.code());
            return ANSWERED;
        }
        ByteBuffer data = null;
        if (cmd == Command.WRITE && payload > 0 && receiveDirect && Long.compareUnsigned(payload, INLINE_MAX) <= 0) {
            return new Request(req, cmd, null, token, true); // served inline at once: see servesInline
        }
        if (cmd == Command.WRITE && payload > 0) {
            try {
                data = ctx.buffers.acquire((int) payload);
            } catch (OutOfMemoryError e) {
                s.input().skip(payload);
                sendError(req, NbdError.ENOMEM, "no memory for a " + payload + "-byte payload");
                return ANSWERED;
            }
            try {
                s.input().readFully(data);
            } catch (IOException e) {
                ctx.buffers.release(data);
                hook.replied(token, RequestHook.NO_REPLY);
                stop = true;
                if (e instanceof EOFException) {
                    log.debug("{}: peer went away mid-payload", s.peer().remote());
                    return null;
                }
                throw e;
            }
            data.flip();
        }
        return new Request(req, cmd, data, token);
    }

    /** Validates a request against the export and the negotiation, before any allocation. */
    private void check(RequestHeader req, Command cmd, long payload) throws Refused {
        if (cmd == null || cmd == Command.RESIZE) {
            throw new Refused(NbdError.EINVAL, "unknown command " + req.type());
        }
        int allowed = CommandFlags.FUA; // the spec asks servers to accept FUA on any command
        switch (cmd) {
            case READ:
                if (structured) {
                    allowed |= CommandFlags.DF;
                }
                break;
            case WRITE:
                if (extended) {
                    allowed |= CommandFlags.PAYLOAD_LEN;
                }
                break;
            case WRITE_ZEROES:
                allowed |= CommandFlags.NO_HOLE;
                if (export.fastZeroAdvertised()) {
                    allowed |= CommandFlags.FAST_ZERO;
                }
                break;
            case BLOCK_STATUS:
                allowed |= CommandFlags.REQ_ONE;
                break;
            default:
                break;
        }
        if ((req.flags() & ~allowed) != 0) {
            throw new Refused(NbdError.EINVAL, "flags " + CommandFlags.describe(req.flags() & ~allowed)
                    + " not valid on " + Command.nameOf(req.type()));
        }
        if (extended && cmd == Command.WRITE && !req.hasFlag(CommandFlags.PAYLOAD_LEN)) {
            throw new Refused(NbdError.EINVAL, "extended WRITE without PAYLOAD_LEN");
        }
        long offset = req.offset();
        long length = req.length();
        switch (cmd) {
            case WRITE:
            case TRIM:
            case WRITE_ZEROES:
                if (export.readOnly()) {
                    throw new Refused(NbdError.EPERM, "export is read-only");
                }
                break;
            default:
                break;
        }
        if (cmd == Command.TRIM && !export.trimAdvertised()) {
            throw new Refused(NbdError.EINVAL, "TRIM is not supported on this export");
        }
        if (cmd == Command.WRITE_ZEROES && !export.zeroAdvertised()) {
            throw new Refused(NbdError.EINVAL, "WRITE_ZEROES is not supported on this export");
        }
        if (cmd == Command.CACHE && !export.cacheAdvertised()) {
            throw new Refused(NbdError.EINVAL, "CACHE is not supported on this export");
        }
        if (cmd == Command.BLOCK_STATUS && s.metaContextId() == 0) {
            throw new Refused(NbdError.EINVAL, "no metadata context was negotiated for this export");
        }
        if (cmd == Command.FLUSH) {
            return;
        }
        if ((cmd == Command.READ || cmd == Command.WRITE) && Long.compareUnsigned(length, ctx.maxPayload) > 0) {
            throw new Refused(NbdError.EINVAL, "length " + Long.toUnsignedString(length)
                    + " exceeds the maximum payload " + ctx.maxPayload);
        }
        if (!req.withinSize(export.size())) {
            NbdError e = cmd == Command.WRITE || cmd == Command.WRITE_ZEROES ? NbdError.ENOSPC : NbdError.EINVAL;
            throw new Refused(e, "range " + Long.toUnsignedString(offset) + "+" + Long.toUnsignedString(length)
                    + " is beyond the export size " + export.size());
        }
        int min = export.minBlockSize();
        if (min > 1 && (offset % min != 0 || (cmd != Command.BLOCK_STATUS && length % min != 0))) {
            throw new Refused(NbdError.EINVAL, "request not aligned to the minimum block size " + min);
        }
        if (cmd == Command.BLOCK_STATUS && length == 0) {
            throw new Refused(NbdError.EINVAL, "BLOCK_STATUS needs a non-zero length");
        }
    }

    /** Runs on a worker: performs the request and replies. Never throws. */
    private void serve(Request r) {
        RequestHeader req = r.header();
        Command cmd = r.cmd();
        ByteBuffer data = r.data();
        Object token = r.token();
        int outcome = 0;
        try {
            FaultAction fault = hook.intercept(token);
            if (fault != null) {
                outcome = InjectedReplies.act(fault, req, structured, extended, out, s.channel(), store);
                return;
            }
            ReplyWriter.ANSWERING.set(token);
            int fua = req.hasFlag(CommandFlags.FUA) && !export.readOnly() ? BlockStore.FUA : 0;
            switch (cmd) {
                case READ:
                    read(req);
                    return;
                case WRITE:
                    if (r.receive()) {
                        if (!receive(req, fua)) {
                            outcome = RequestHook.NO_REPLY;
                            return;
                        }
                    } else if (data != null) {
                        store.write(req.offset(), data, fua);
                    }
                    break;
                case FLUSH:
                    store.flush();
                    break;
                case TRIM:
                    store.trim(req.offset(), req.length(), fua);
                    break;
                case WRITE_ZEROES:
                    int zf = fua;
                    if (req.hasFlag(CommandFlags.NO_HOLE)) {
                        zf |= BlockStore.NO_HOLE;
                    }
                    if (req.hasFlag(CommandFlags.FAST_ZERO)) {
                        zf |= BlockStore.FAST_ZERO;
                    }
                    store.zero(req.offset(), req.length(), zf);
                    break;
                case CACHE:
                    store.cache(req.offset(), req.length());
                    break;
                case BLOCK_STATUS:
                    blockStatus(req);
                    return;
                default:
                    throw new StoreException(NbdError.EINVAL, "unexpected command " + cmd);
            }
            sendOk(req);
        } catch (IOException | RuntimeException e) {
            outcome = fail(req, e);
        } catch (OutOfMemoryError e) {
            // answer rather than leave the client waiting for a reply that never comes
            outcome = fail(req, new StoreException(NbdError.ENOMEM, "out of memory: " + e.getMessage()));
        } finally {
            ReplyWriter.ANSWERING.remove();
            hook.replied(token, outcome);
            ctx.buffers.release(data);
        }
    }

    /**
     * Has the store receive the WRITE payload straight from the connection. A store that refuses
     * before reading (range, out of memory) throws with the payload still on the wire: it is
     * drained so the stream stays in sync, and the caller answers with the error. False when the
     * stream broke mid-payload: the connection ends without a reply.
     */
    private boolean receive(RequestHeader req, int fua) throws IOException {
        int length = (int) req.length();
        ConnectionPayload payload = new ConnectionPayload(s.input(), splice);
        try {
            store.transferFrom(req.offset(), length, payload, fua);
            return true;
        } catch (IOException | RuntimeException e) {
            if (!payload.started()) {
                s.input().skip(length);
                throw e;
            }
            if (payload.consumed()) {
                throw e; // in sync: answered with the error
            }
            stop = true;
            if (e instanceof EOFException) {
                log.debug("{}: peer went away mid-payload", s.peer().remote());
            } else {
                failure = e instanceof IOException io ? io : new IOException(e);
            }
            return false;
        }
    }

    /** Replies with the error for {@code e}; returns its NBD error value (or NO_REPLY when the connection is gone). */
    private int fail(RequestHeader req, Exception e) {
        if (!out.alive()) {
            return RequestHook.NO_REPLY; // the connection is already gone; nothing can be reported
        }
        NbdError err = StoreException.errorOf(e);
        if (!(e instanceof StoreException)) {
            log.warn("{}: {} failed: {}", s.peer().remote(), req, e.toString());
        } else {
            log.debug("{}: {} failed: {}", s.peer().remote(), req, e.getMessage());
        }
        try {
            sendError(req, err, String.valueOf(e.getMessage()));
        } catch (IOException io) {
            log.debug("{}: cannot send error reply: {}", s.peer().remote(), io.toString());
            return RequestHook.NO_REPLY;
        }
        return err.code();
    }

    private void read(RequestHeader req) throws IOException {
        long offset = req.offset();
        int length = (int) req.length();
        if (length == 0) {
            sendOk(req);
            return;
        }
        if (!structured) {
            ByteBuffer h = ByteBuffer.allocate(SimpleReplyHeader.SIZE);
            SimpleReplyHeader.write(h, 0, req.cookie());
            h.flip();
            if (out.sendRead(h, store, offset, length)) {
                return;
            }
            if (sendSplice != null && length >= sendSpliceMin) {
                out.sendSpliced(h, store, offset, length, sendSplice);
                return;
            }
            if (out.zeroCopy() && length >= ZERO_COPY_MIN && export.can(Capability.TRANSFER_TO)) {
                out.sendTransfer(h, store, offset, length);
                return;
            }
            ByteBuffer buf = ctx.buffers.acquire(length);
            try {
                store.read(offset, buf);
                buf.flip();
                out.send(h, buf);
            } finally {
                ctx.buffers.release(buf);
            }
            return;
        }
        List<Extent> runs = null;
        if (!req.hasFlag(CommandFlags.DF) && length >= SPARSE_READ_MIN && export.can(Capability.CHEAP_EXTENTS)) {
            runs = zeroRuns(offset, length);
        }
        if (runs == null) {
            sendData(req, offset, length, true);
            return;
        }
        long pos = offset;
        for (int i = 0; i < runs.size(); i++) {
            Extent e = runs.get(i);
            boolean done = i == runs.size() - 1;
            if (e.isZero()) {
                ByteBuffer h = ByteBuffer.allocate(ChunkHeader.EXTENDED_SIZE + OffsetHole.SIZE);
                ChunkHeader.write(h, extended, done ? ReplyFlags.DONE : 0, ChunkType.OFFSET_HOLE.code(),
                        req.cookie(), req.offset(), OffsetHole.SIZE);
                h.putLong(pos).putInt((int) e.length());
                out.send(h.flip());
            } else {
                sendData(req, pos, (int) e.length(), done);
            }
            pos += e.length();
        }
    }

    /**
     * The read range split into zero and data runs (merged, covering it exactly), or null when it
     * is all data and one plain chunk is best.
     */
    private List<Extent> zeroRuns(long offset, int length) throws IOException {
        List<Extent> runs = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        boolean anyZero = false;
        while (pos < end) {
            for (Extent e : store.extents(pos, end - pos)) {
                int flags = e.isZero() ? Extent.ZERO : Extent.DATA;
                long len = Math.min(e.length(), end - pos);
                anyZero |= flags == Extent.ZERO;
                Extent last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
                if (last != null && (last.flags() == flags)) {
                    runs.set(runs.size() - 1, new Extent(last.length() + len, flags));
                } else {
                    runs.add(new Extent(len, flags));
                }
                pos += len;
                if (pos >= end) {
                    break;
                }
            }
        }
        return anyZero ? runs : null;
    }

    /** One OFFSET_DATA chunk for {@code [pos, pos+length)}; zero-copy where possible. */
    private void sendData(RequestHeader req, long pos, int length, boolean done) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(ChunkHeader.EXTENDED_SIZE + OffsetData.HEADER_SIZE);
        OffsetData.writeHeader(h, extended, done, req.cookie(), req.offset(), pos, length);
        h.flip();
        if (out.sendRead(h, store, pos, length)) {
            return;
        }
        if (sendSplice != null && length >= sendSpliceMin) {
            out.sendSpliced(h, store, pos, length, sendSplice);
            return;
        }
        if (out.zeroCopy() && length >= ZERO_COPY_MIN && export.can(Capability.TRANSFER_TO)) {
            out.sendTransfer(h, store, pos, length);
            return;
        }
        ByteBuffer buf = ctx.buffers.acquire(length);
        try {
            store.read(pos, buf);
            buf.flip();
            out.send(h, buf);
        } finally {
            ctx.buffers.release(buf);
        }
    }

    private void blockStatus(RequestHeader req) throws IOException {
        long offset = req.offset();
        long length = req.length();
        if (!extended) {
            length = Math.min(length, 0xFFFF_FFFFL);
        }
        List<io.nbdtk.protocol.Extent> extents = new ArrayList<>();
        boolean one = req.hasFlag(CommandFlags.REQ_ONE);
        long pos = offset;
        long end = offset + length;
        long lastFlags = -1;
        long runLength = 0;
        outer:
        while (pos < end) {
            List<Extent> got = store.extents(pos, end - pos);
            for (Extent e : got) {
                long len = Math.min(e.length(), end - pos);
                long flags = e.flags() & (Extent.HOLE | Extent.ZERO);
                if (flags == lastFlags) {
                    runLength += len;
                } else {
                    if (runLength > 0) {
                        extents.add(new io.nbdtk.protocol.Extent(runLength, lastFlags));
                        if (one) {
                            break outer;
                        }
                    }
                    lastFlags = flags;
                    runLength = len;
                }
                pos += len;
            }
            if (one || extents.size() >= 1 << 16) {
                break; // the client asks again for the rest
            }
        }
        if (runLength > 0 && (!one || extents.isEmpty())) {
            extents.add(new io.nbdtk.protocol.Extent(runLength, lastFlags));
        }
        BlockStatusChunk chunk = new BlockStatusChunk(s.metaContextId(), extents);
        ChunkHeader header = chunk.header(extended, true, req.cookie(), req.offset());
        ByteBuffer b = ByteBuffer.allocate(ChunkHeader.EXTENDED_SIZE + chunk.encodedLength(extended));
        header.encode(b, extended);
        chunk.encode(b, extended);
        out.send(b.flip());
    }

    private void sendOk(RequestHeader req) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(ChunkHeader.EXTENDED_SIZE);
        if (extended || (structured && req.command() == Command.READ)) {
            ChunkHeader.write(b, extended, ReplyFlags.DONE, ChunkType.NONE.code(), req.cookie(), req.offset(), 0);
        } else {
            SimpleReplyHeader.write(b, 0, req.cookie());
        }
        out.send(b.flip());
    }

    private void sendError(RequestHeader req, NbdError error, String message) throws IOException {
        if (!structured) {
            ByteBuffer b = ByteBuffer.allocate(SimpleReplyHeader.SIZE);
            SimpleReplyHeader.write(b, error.code(), req.cookie());
            out.send(b.flip());
            return;
        }
        String m = message.length() > 512 ? message.substring(0, 512) : message;
        ErrorChunk chunk = ErrorChunk.of(error, m.replace('\0', ' '));
        ByteBuffer b = ByteBuffer.allocate(ChunkHeader.EXTENDED_SIZE + chunk.encodedLength());
        chunk.header(true, req.cookie(), req.offset()).encode(b, extended);
        chunk.encode(b);
        out.send(b.flip());
    }
}
