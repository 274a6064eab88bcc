package io.nbdtk.fuse.kernel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Builds one reply (fuse_out_header + body) at the start of a buffer. A request handler calls
 * exactly one of the reply methods; the session then writes {@link #length()} bytes to
 * /dev/fuse. The buffer is the one the request was read into, so a handler must have taken
 * everything it needs from the request first (READ data goes to offset 16, over the request).
 */
public final class ReplyWriter {
    /** Seconds the kernel may cache names and attributes (libfuse's default, 1 s). */
    static final long VALID_SECONDS = 1;

    private final ByteBuffer buf;
    private long unique;
    private int length = -1;

    public ReplyWriter(ByteBuffer buffer) {
        this.buf = buffer;
    }

    void begin(long requestUnique) {
        this.unique = requestUnique;
        this.length = -1;
    }

    /** A READ or WRITE that was answered with an error. */
    boolean failedIo(int opcode) {
        return (opcode == FuseProtocol.READ || opcode == FuseProtocol.WRITE) && length >= 0 && buf.getInt(4) != 0;
    }

    public boolean replied() {
        return length >= 0;
    }

    int length() {
        return length;
    }

    private ByteBuffer body() {
        buf.clear();
        buf.position(FuseProtocol.OUT_HEADER_SIZE);
        return buf;
    }

    private void finish(int error) {
        length = buf.position();
        buf.putInt(0, length).putInt(4, error).putLong(8, unique);
    }

    /** A failure: {@code errno} is positive (ENOENT, EIO, ...). */
    public void error(int errno) {
        if (errno <= 0) {
            throw new IllegalArgumentException("errno must be positive: " + errno);
        }
        body();
        finish(-errno);
    }

    /** Success without a body (FLUSH, FSYNC, RELEASE, ...). */
    public void ok() {
        body();
        finish(0);
    }

    /** LOOKUP's answer. */
    public void entry(long nodeId, Attr attr) {
        ByteBuffer b = body();
        b.putLong(nodeId).putLong(0).putLong(VALID_SECONDS).putLong(VALID_SECONDS).putInt(0).putInt(0);
        attr.encode(b);
        finish(0);
    }

    /** GETATTR's and SETATTR's answer. */
    public void attr(Attr attr) {
        ByteBuffer b = body();
        b.putLong(VALID_SECONDS).putInt(0).putInt(0);
        attr.encode(b);
        finish(0);
    }

    /** OPEN's and OPENDIR's answer. */
    public void open(long fh, int openFlags) {
        body().putLong(fh).putInt(openFlags).putInt(0);
        finish(0);
    }

    /** WRITE's answer: how many bytes were written. */
    public void written(int count) {
        body().putInt(count).putInt(0);
        finish(0);
    }

    /** INIT's answer. */
    void init(InitNegotiation.Reply reply) {
        reply.encode(body());
        finish(0);
    }

    /** STATFS's answer ({@code struct fuse_kstatfs}). */
    public void statfs(long blocks, long bfree, long bavail, long files, long ffree, int bsize, int namelen,
            int frsize) {
        ByteBuffer b = body();
        b.putLong(blocks).putLong(bfree).putLong(bavail).putLong(files).putLong(ffree);
        b.putInt(bsize).putInt(namelen).putInt(frsize).putInt(0);
        for (int i = 0; i < 6; i++) {
            b.putInt(0);
        }
        finish(0);
    }

    /**
     * Where a READ's data goes: {@code count} bytes right after the reply header. Fill it, then
     * call {@link #data(int)} with the number of bytes filled.
     */
    public ByteBuffer dataBuffer(int count) {
        if (count > buf.capacity() - FuseProtocol.OUT_HEADER_SIZE) {
            throw new IllegalArgumentException("reply of " + count + " bytes does not fit the buffer");
        }
        return buf.duplicate().order(buf.order()).clear().position(FuseProtocol.OUT_HEADER_SIZE)
                .limit(FuseProtocol.OUT_HEADER_SIZE + count).slice();
    }

    /** READ's answer: the first {@code count} bytes of {@link #dataBuffer(int)}. */
    public void data(int count) {
        buf.clear().position(FuseProtocol.OUT_HEADER_SIZE + count);
        finish(0);
    }

    /** One directory entry; {@code type} is the DT_ value (DT_DIR 4, DT_REG 8). */
    public record Dirent(long ino, String name, int type) {}

    /**
     * READDIR's answer: the entries from index {@code offset} on, as many as fit in
     * {@code maxSize} bytes. Each entry's offset is its index + 1 (where the next read starts).
     */
    public void dirents(List<Dirent> entries, long offset, int maxSize) {
        ByteBuffer b = body();
        int limit = Math.min(FuseProtocol.OUT_HEADER_SIZE + maxSize, b.capacity());
        for (int i = (int) Math.max(0, Math.min(offset, entries.size())); i < entries.size(); i++) {
            Dirent d = entries.get(i);
            byte[] name = d.name().getBytes(StandardCharsets.UTF_8);
            int size = align8(24 + name.length);
            if (b.position() + size > limit) {
                break;
            }
            b.putLong(d.ino()).putLong(i + 1L).putInt(name.length).putInt(d.type()).put(name);
            while ((b.position() & 7) != 0) {
                b.put((byte) 0);
            }
        }
        finish(0);
    }

    static int align8(int n) {
        return (n + 7) & ~7;
    }
}
