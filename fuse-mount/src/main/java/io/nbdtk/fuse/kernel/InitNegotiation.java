package io.nbdtk.fuse.kernel;

import java.nio.ByteBuffer;

/**
 * The answer to the kernel's FUSE_INIT: the protocol version both speak and the features this
 * engine turns on, which are exactly the ones libfuse 2 could not ask for: asynchronous direct
 * I/O (many O_DIRECT requests in flight per file), requests of up to {@code maxWrite} bytes
 * (FUSE_MAX_PAGES; the kernel's default is 32 pages), big writes and asynchronous reads.
 */
public final class InitNegotiation {
    /** The features we want, each used only when the kernel offers it. */
    static final int WANTED = FuseProtocol.ASYNC_READ | FuseProtocol.BIG_WRITES | FuseProtocol.ASYNC_DIO
            | FuseProtocol.MAX_PAGES | FuseProtocol.PARALLEL_DIROPS;
    static final int PAGE_SIZE = 4096;
    public static final int INIT_OUT_SIZE = 64;

    /** {@code struct fuse_init_in}, the fields that matter. */
    public record Request(int major, int minor, int maxReadahead, int flags) {
        public static Request decode(ByteBuffer b) {
            return new Request(b.getInt(), b.getInt(), b.getInt(), b.getInt());
        }
    }

    /** {@code struct fuse_init_out}. */
    public record Reply(int major, int minor, int maxReadahead, int flags, int maxBackground,
            int congestionThreshold, int maxWrite, int timeGran, int maxPages) {
        /** Writes the 64 bytes of fuse_init_out at the buffer's position. */
        public void encode(ByteBuffer b) {
            int start = b.position();
            b.putInt(major).putInt(minor).putInt(maxReadahead).putInt(flags);
            b.putShort((short) maxBackground).putShort((short) congestionThreshold);
            b.putInt(maxWrite).putInt(timeGran);
            b.putShort((short) maxPages).putShort((short) 0); // map_alignment
            while (b.position() < start + INIT_OUT_SIZE) { // flags2, unused
                b.put((byte) 0);
            }
        }

        public boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    private InitNegotiation() {}

    /**
     * @param maxWrite the largest READ/WRITE payload wanted (a multiple of the page size)
     * @throws IllegalArgumentException for a kernel whose protocol is not 7.x with x >= 23 (the
     *         first with today's fuse_init_out; Linux 4.1)
     */
    public static Reply negotiate(Request in, int maxWrite, int maxBackground) {
        if (in.major() != FuseProtocol.KERNEL_MAJOR || in.minor() < 23) {
            throw new IllegalArgumentException("unsupported FUSE kernel protocol " + in.major() + "." + in.minor()
                    + " (need 7.23 or later)");
        }
        int minor = Math.min(in.minor(), FuseProtocol.KERNEL_MINOR);
        int flags = in.flags() & WANTED;
        boolean bigRequests = (flags & FuseProtocol.MAX_PAGES) != 0;
        int maxPages = bigRequests ? maxWrite / PAGE_SIZE : 0;
        // without FUSE_MAX_PAGES the kernel sends at most 32 pages per request whatever we say
        int write = bigRequests ? maxWrite : Math.min(maxWrite, 32 * PAGE_SIZE);
        return new Reply(FuseProtocol.KERNEL_MAJOR, minor, in.maxReadahead(), flags, maxBackground,
                maxBackground * 3 / 4, write, 1, maxPages);
    }
}
