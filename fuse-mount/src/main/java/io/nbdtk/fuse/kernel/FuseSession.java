package io.nbdtk.fuse.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import jnr.ffi.Pointer;

/**
 * Serves one FUSE connection: answers INIT, then runs {@code threads} workers that each loop
 * read() request -> dispatch -> write() reply on the shared /dev/fuse descriptor. Workers block in
 * the file system (which waits for the NBD server) independently, so up to {@code threads}
 * requests are in flight at once; the device layer below pipelines them over its connections.
 * The session ends when the kernel says ENODEV to every worker (unmount or abort).
 */
public final class FuseSession {
    /** The largest READ/WRITE payload: 1 MiB, so a 1 MiB I/O is one request, not eight. */
    public static final int MAX_IO = 1 << 20;
    /** A whole WRITE request must fit one read(): payload plus room for its header. */
    static final int BUFFER_SIZE = MAX_IO + FuseProtocol.HEADER_ROOM;
    /** Requests the kernel may have queued in the background (readahead, async direct I/O). */
    static final int MAX_BACKGROUND = 64;

    private final FuseDevice device;
    private final RequestDispatcher dispatcher;
    private final int threads;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final AtomicInteger running = new AtomicInteger();

    public FuseSession(FuseDevice device, LowLevelFileSystem fs, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive");
        }
        this.device = device;
        this.dispatcher = new RequestDispatcher(fs);
        this.threads = threads;
    }

    /** Completes when the last worker has seen the connection end; the device is closed then. */
    public CompletableFuture<Void> ended() {
        return ended;
    }

    /**
     * Answers the kernel's INIT (queued by mount(2), so this does not wait), on the calling
     * thread.
     */
    public InitNegotiation.Reply init() throws IOException {
        ByteBuffer buf = newBuffer();
        Pointer p = FuseDevice.pointer(buf);
        long n;
        do {
            n = device.read(p, buf.capacity());
        } while (n == -FuseDevice.EINTR);
        if (n < 0) {
            throw new IOException("reading FUSE_INIT failed: " + FuseDevice.describe((int) -n));
        }
        buf.limit((int) n);
        InHeader h = InHeader.decode(buf);
        ReplyWriter reply = new ReplyWriter(buf);
        reply.begin(h.unique());
        if (h.opcode() != FuseProtocol.INIT) {
            throw new IOException("the kernel's first FUSE request was opcode " + h.opcode() + ", not INIT");
        }
        InitNegotiation.Reply r;
        try {
            r = InitNegotiation.negotiate(InitNegotiation.Request.decode(buf), MAX_IO, MAX_BACKGROUND);
        } catch (IllegalArgumentException e) {
            reply.error(RequestDispatcher.EINVAL);
            device.write(p, reply.length());
            throw new IOException(e.getMessage(), e);
        }
        reply.init(r);
        int w = device.write(p, reply.length());
        if (w < 0) {
            throw new IOException("answering FUSE_INIT failed: " + FuseDevice.describe(-w));
        }
        return r;
    }

    /**
     * Starts the other workers from the calling thread (they inherit its per-thread settings,
     * e.g. PR_SET_IO_FLUSHER) and makes the calling thread a worker too; returns when the
     * session has ended.
     */
    public void serve() {
        running.set(threads);
        for (int i = 1; i < threads; i++) {
            Thread t = new Thread(this::work, "nbd-fuse-worker-" + i);
            t.setDaemon(true);
            t.start();
        }
        work();
    }

    private static ByteBuffer newBuffer() {
        return ByteBuffer.allocateDirect(BUFFER_SIZE).order(ByteOrder.nativeOrder());
    }

    private void work() {
        ByteBuffer buf = newBuffer();
        Pointer p = FuseDevice.pointer(buf);
        ReplyWriter reply = new ReplyWriter(buf);
        try {
            while (true) {
                long n = device.read(p, buf.capacity());
                if (n < 0) {
                    int errno = (int) -n;
                    if (errno == FuseDevice.EINTR || errno == FuseDevice.EAGAIN || errno == FuseDevice.ENOENT) {
                        continue;
                    }
                    if (errno != FuseDevice.ENODEV) {
                        System.err.println("nbd-fuse: reading /dev/fuse failed: " + FuseDevice.describe(errno));
                    }
                    return;
                }
                buf.clear().limit((int) n);
                InHeader h = InHeader.decode(buf);
                reply.begin(h.unique());
                try {
                    dispatcher.dispatch(h, buf, reply);
                } catch (RuntimeException e) {
                    System.err.println("nbd-fuse: FUSE request " + h.opcode() + " failed: " + e);
                    if (!reply.replied()) {
                        reply.error(RequestDispatcher.EIO);
                    }
                }
                if (reply.replied()) {
                    int w = device.write(p, reply.length());
                    if (w == -FuseDevice.ENODEV) {
                        return;
                    }
                    if (w < 0 && w != -FuseDevice.ENOENT) { // ENOENT: interrupted, nobody waits
                        System.err.println("nbd-fuse: replying to FUSE request " + h.opcode() + " failed: "
                                + FuseDevice.describe(-w));
                    }
                    if (reply.failedIo(h.opcode())) {
                        // a request that failed (timed out) may still be completed later by the
                        // layer below into this memory; never reuse it for another request
                        buf = newBuffer();
                        p = FuseDevice.pointer(buf);
                        reply = new ReplyWriter(buf);
                    }
                }
            }
        } finally {
            if (running.decrementAndGet() == 0) {
                device.close();
                ended.complete(null);
            }
        }
    }
}
