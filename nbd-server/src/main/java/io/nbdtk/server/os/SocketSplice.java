package io.nbdtk.server.os;

import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.store.StoreException;
import java.io.Closeable;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.byref.LongLongByReference;

/**
 * Moves bytes from a connection's socket into a file inside the kernel: splice(2) from the socket
 * into a pipe, then from the pipe into the file at an offset. A WRITE payload then crosses into
 * the page cache with one copy (socket buffers to file pages) instead of two (socket to a user
 * buffer, user buffer to file pages): the copy out of the socket was a third of the server's CPU
 * time on 1 MiB writes to a tmpfs file.
 *
 * <p>The socket's descriptor number comes from the JDK's channel ({@code sun.nio.ch}, which the
 * server jar's manifest exports to it); without that export, or without native calls, there is
 * no splice and callers read payloads the ordinary way. This object holds a duplicate of the
 * descriptor, so the number cannot be reused for another file while it is in use even if the
 * channel is closed under it; whoever closes the channel must shut its input down first
 * ({@code shutdownInput}), which ends a splice blocked on the socket.
 */
public final class SocketSplice implements Closeable {
    /** The pipe size asked for: a 1 MiB payload in one round trip (Linux's default limit). */
    private static final int PIPE_SIZE = 1 << 20;
    private static final int EFBIG = 27;
    private static final int ENOSPC = 28;
    private static final int EROFS = 30;
    private static final int EDQUOT = 122;
    /** What {@link #drain} returns when every byte arrived. */
    private static final int DRAINED = -1;

    private final Native nat;
    private final int socket;
    private final int pipeRead;
    private final int pipeWrite;
    private final int capacity;
    private final AtomicBoolean closed = new AtomicBoolean();
    private ByteBuffer scratch; // drains the pipe after a failed file write
    private ByteBuffer sendScratch; // a reply header on its way out

    private SocketSplice(Native nat, int socket, int pipeRead, int pipeWrite, int capacity) {
        this.nat = nat;
        this.socket = socket;
        this.pipeRead = pipeRead;
        this.pipeWrite = pipeWrite;
        this.capacity = capacity;
    }

    /** The outcome of {@link #open}: the splice, or the reason there is none. */
    public record Result(SocketSplice splice, String status) {
        public Optional<SocketSplice> get() {
            return Optional.ofNullable(splice);
        }
    }

    /** Sets up splicing from {@code channel} (a JDK socket channel), or explains why it cannot. */
    public static Result open(Channel channel) {
        Native nat = Native.get();
        if (!nat.available()) {
            return new Result(null, nat.status());
        }
        int fd;
        try {
            fd = descriptorOf(channel);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return new Result(null, "unavailable: no descriptor for " + channel.getClass().getName()
                    + " (run with --add-exports java.base/sun.nio.ch=ALL-UNNAMED): " + e);
        }
        LibC c = nat.libc();
        int dup = c.fcntl(fd, LibC.F_DUPFD_CLOEXEC, 0);
        if (dup < 0) {
            return new Result(null, "unavailable: dup: " + nat.describe(nat.lastErrno()));
        }
        int[] pipe = new int[2];
        if (c.pipe2(pipe, LibC.O_CLOEXEC) != 0) {
            String why = nat.describe(nat.lastErrno());
            c.close(dup);
            return new Result(null, "unavailable: pipe2: " + why);
        }
        // a smaller pipe (a user over its pipe-buffer quota) still works, in more round trips
        c.fcntl(pipe[1], LibC.F_SETPIPE_SZ, PIPE_SIZE);
        int size = c.fcntl(pipe[1], LibC.F_GETPIPE_SZ, 0);
        if (size <= 0) {
            size = 64 * 1024;
        }
        return new Result(new SocketSplice(nat, dup, pipe[0], pipe[1], size), "available");
    }

    private static int descriptorOf(Channel channel) throws ReflectiveOperationException {
        Class<?> selCh = Class.forName("sun.nio.ch.SelChImpl");
        if (!selCh.isInstance(channel)) {
            throw new IllegalArgumentException("not a JDK selectable channel");
        }
        Method getFd = selCh.getMethod("getFDVal");
        return (int) getFd.invoke(channel);
    }

    /** The most one {@link #fromSocket} call moves (the pipe's size). */
    public int capacity() {
        return capacity;
    }

    /**
     * Moves up to {@code max} (at most {@link #capacity}) bytes from the socket into the pipe,
     * which must be empty; blocks until some arrive. Returns how many, 0 at the end of the stream.
     */
    public long fromSocket(long max) throws IOException {
        long want = Math.min(max, capacity);
        while (true) {
            long n = nat.libc().splice(socket, null, pipeWrite, null, want, LibC.SPLICE_F_MOVE);
            if (n >= 0) {
                return n;
            }
            int errno = nat.lastErrno();
            if (errno != LibC.EINTR) {
                throw new IOException("splice from the connection: " + nat.describe(errno));
            }
        }
    }

    /**
     * Moves exactly {@code length} bytes, all of them in the pipe, into {@code file} at
     * {@code offset}. On a failure the pipe is emptied anyway (the bytes are lost, as on a
     * failed write) and a StoreException names the client's error.
     */
    public void toFile(NativeFile file, long offset, long length) throws StoreException {
        int failure = drain(file.fd(), new LongLongByReference(offset), length, LibC.SPLICE_F_MOVE);
        if (failure != DRAINED) {
            throw new StoreException(errorOf(failure), "splice into the file: " + describe(failure));
        }
    }

    /**
     * Sends {@code header} (its remaining bytes), then {@code length} bytes of {@code file} from
     * {@code offset}, to the socket: the file's pages go into the pipe by reference and from the
     * pipe into the socket, so the bytes are copied once, by the receiver, instead of into a
     * buffer and again into the socket. The header goes with {@code MSG_MORE}, so it leaves in
     * the same segment as the first data. A StoreException means the file could not be read and
     * nothing was sent; any other IOException means part of the reply may be on the wire.
     *
     * <p>Pages sent this way stay shared with the file until the peer has read them: a write to
     * the same range in that window may show in the reply, as with sendfile. NBD defines no
     * order between a read and a write that overlap in time, so that is allowed.
     */
    public void fileToSocket(NativeFile file, long offset, long length, ByteBuffer header) throws IOException {
        LongLongByReference position = new LongLongByReference(offset); // splice advances it
        long left = length;
        boolean sentHeader = false;
        while (left > 0) {
            long n = nat.libc().splice(file.fd(), position, pipeWrite, null, Math.min(left, capacity),
                    LibC.SPLICE_F_MOVE);
            if (n <= 0) {
                int errno = n == 0 ? 0 : nat.lastErrno();
                if (errno == LibC.EINTR) {
                    continue;
                }
                String why = "splice from the file: " + (n == 0 ? "end of file" : nat.describe(errno));
                if (!sentHeader) {
                    throw new StoreException(NbdError.EIO, why);
                }
                throw new IOException(why);
            }
            if (!sentHeader) {
                sendFully(header);
                sentHeader = true;
            }
            left -= n;
            toSocket(n, left > 0);
        }
        if (!sentHeader) {
            sendFully(header);
        }
    }

    /**
     * Sends {@code header} (its remaining bytes), then {@code length} bytes of memory at
     * {@code address} (a mapping of a file, see {@link FileMapping}): the socket copies them
     * once, into its own buffers. Any failure may leave part of the reply on the wire.
     */
    public void sendFromMemory(ByteBuffer header, long address, long length) throws IOException {
        sendFully(header);
        long left = length;
        long at = address;
        while (left > 0) {
            long n = nat.libc().send(socket, at, left, LibC.MSG_NOSIGNAL);
            if (n < 0) {
                int errno = nat.lastErrno();
                if (errno == LibC.EINTR) {
                    continue;
                }
                throw new IOException("send to the connection: " + nat.describe(errno));
            }
            at += n;
            left -= n;
        }
    }

    /**
     * Receives exactly {@code length} bytes from the socket into memory at {@code address} (a
     * writable mapping of a file): one copy, socket buffers to the file's pages. An EOFException
     * when the peer closed first; the bytes before that are in place.
     */
    public void receiveIntoMemory(long address, long length) throws IOException {
        long left = length;
        long at = address;
        while (left > 0) {
            long n = nat.libc().recv(socket, at, left, LibC.MSG_WAITALL);
            if (n == 0) {
                throw new java.io.EOFException("peer closed the connection in the middle of a payload");
            }
            if (n < 0) {
                int errno = nat.lastErrno();
                if (errno == LibC.EINTR) {
                    continue;
                }
                throw new IOException("receive from the connection: " + nat.describe(errno));
            }
            at += n;
            left -= n;
        }
    }

    /** Copies the remaining bytes of {@code src} (a direct buffer) to memory at {@code address}. */
    public static void copyToMemory(ByteBuffer src, long address) {
        if (!src.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        Native.get().libc().memcpy(address, src.slice(), src.remaining());
        src.position(src.limit());
    }

    /**
     * Moves {@code n} bytes, all in the pipe, into the remaining space of {@code dsts[i..count)}
     * in order; returns the index of the first buffer with space left.
     */
    public int pipeToBuffers(long n, ByteBuffer[] dsts, int i, int count) throws IOException {
        long left = n;
        int at = i;
        while (left > 0 && at < count) {
            ByteBuffer d = dsts[at];
            long r = nat.libc().read(pipeRead, d.slice(), Math.min(left, d.remaining()));
            if (r <= 0) {
                int errno = r == 0 ? 0 : nat.lastErrno();
                if (errno == LibC.EINTR) {
                    continue;
                }
                throw new IOException("read from the pipe: " + describe(errno));
            }
            d.position(d.position() + (int) r);
            left -= r;
            if (!d.hasRemaining()) {
                at++;
            }
        }
        return at;
    }

    /** Sends the remaining bytes of {@code b}, held back for the data that follows. */
    private void sendFully(ByteBuffer b) throws IOException {
        if (sendScratch == null) {
            sendScratch = ByteBuffer.allocateDirect(256);
        }
        ByteBuffer src = b;
        if (!b.isDirect()) {
            if (b.remaining() > sendScratch.capacity()) {
                sendScratch = ByteBuffer.allocateDirect(b.remaining());
            }
            sendScratch.clear();
            sendScratch.put(b).flip();
            src = sendScratch;
        }
        while (src.hasRemaining()) {
            long n = nat.libc().send(socket, src.slice(), src.remaining(), LibC.MSG_MORE | LibC.MSG_NOSIGNAL);
            if (n < 0) {
                int errno = nat.lastErrno();
                if (errno == LibC.EINTR) {
                    continue;
                }
                throw new IOException("send to the connection: " + nat.describe(errno));
            }
            src.position(src.position() + (int) n);
        }
    }

    /** Moves {@code n} bytes, all in the pipe, into the socket. */
    private void toSocket(long n, boolean more) throws IOException {
        int failure = drain(socket, null, n, LibC.SPLICE_F_MOVE | (more ? LibC.SPLICE_F_MORE : 0));
        if (failure != DRAINED) {
            throw new IOException("splice to the connection: " + describe(failure));
        }
    }

    /**
     * Moves {@code n} bytes, all in the pipe, into {@code fd} (at {@code position}, which splice
     * advances, or at the descriptor's own position when null). Returns {@link #DRAINED}, or the
     * errno of the failure (0: no progress) after emptying the pipe anyway.
     */
    private int drain(int fd, LongLongByReference position, long n, int flags) {
        long left = n;
        while (left > 0) {
            long m = nat.libc().splice(pipeRead, null, fd, position, left, flags);
            if (m > 0) {
                left -= m;
                continue;
            }
            int errno = m == 0 ? 0 : nat.lastErrno();
            if (errno != LibC.EINTR) {
                discard(left);
                return errno;
            }
        }
        return DRAINED;
    }

    private String describe(int errno) {
        return errno == 0 ? "no progress" : nat.describe(errno);
    }

    /** Reads {@code n} bytes out of the pipe and drops them. */
    private void discard(long n) {
        if (scratch == null) {
            scratch = ByteBuffer.allocateDirect(64 * 1024);
        }
        long left = n;
        while (left > 0) {
            scratch.clear();
            long r = nat.libc().read(pipeRead, scratch, Math.min(left, scratch.capacity()));
            if (r <= 0 && (r == 0 || nat.lastErrno() != LibC.EINTR)) {
                return; // cannot happen with bytes in the pipe; never spin
            }
            left -= Math.max(r, 0);
        }
    }

    static NbdError errorOf(int errno) {
        return switch (errno) {
            case ENOSPC, EDQUOT, EFBIG -> NbdError.ENOSPC;
            case EROFS -> NbdError.EPERM;
            default -> NbdError.EIO;
        };
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LibC c = nat.libc();
            c.close(pipeRead);
            c.close(pipeWrite);
            c.close(socket);
        }
    }
}
