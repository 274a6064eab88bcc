package io.nbdtk.server.filter;

/**
 * One transmission request as the server saw it, and its reply.
 *
 * @param export      the export the connection chose
 * @param connection  server-wide connection number (1, 2, ...)
 * @param cookie      the client's cookie (handle) of the request
 * @param command     the request kind
 * @param offset      request offset
 * @param length      request length
 * @param flags       the request's command flags ({@code NBD_CMD_FLAG_*})
 * @param error       the reply's error name ({@code EIO}, ...), or null for success or no reply yet
 * @param startSeq    position of the request's arrival among all recorded events
 * @param endSeq      position of its reply among all recorded events; -1 while in flight
 * @param startNanos  arrival time, nanoseconds since the recording started
 * @param endNanos    reply time, nanoseconds since the recording started; -1 while in flight
 */
public record RecordedRequest(String export, long connection, long cookie, RequestKind command, long offset, long length,
        int flags, String error, long startSeq, long endSeq, long startNanos, long endNanos) {

    /** {@code NBD_CMD_FLAG_FUA}. */
    public static final int FLAG_FUA = 1;

    public boolean completed() {
        return endSeq >= 0;
    }

    public boolean failed() {
        return error != null;
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) == flag;
    }

    /** Time from arrival to reply in nanoseconds, or -1 while in flight. */
    public long durationNanos() {
        return completed() ? endNanos - startNanos : -1;
    }

    RecordedRequest completedWith(String err, long seq, long nanos) {
        return new RecordedRequest(export, connection, cookie, command, offset, length, flags, err, startSeq, seq,
                startNanos, nanos);
    }
}
