package io.nbdtk.server;

import io.nbdtk.server.filter.FaultAction;
import java.io.IOException;

/**
 * The seam through which instrumentation (the testkit's fault injection and traffic recording,
 * {@code io.nbdtk.server.control.Instrumentation}) watches and alters transmission. The
 * connection code calls it once per request; {@link #NONE} does nothing and costs nothing.
 */
public interface RequestHook {
    RequestHook NONE = new RequestHook() {};

    /** {@link #replied} error value: no reply was sent because the connection was closed instead. */
    int NO_REPLY = -1;
    /** {@link #replied} error value: a deliberately malformed reply was sent. */
    int MALFORMED = -2;

    /**
     * On the reading thread, as a request arrives (before any check). {@code connection} counts
     * the server's connections from 1. Returns a token handed back to the calls below.
     */
    default Object arrived(long connection, String export, int command, long cookie, long offset, long length,
            int flags) {
        return null;
    }

    /**
     * On the serving thread, before the store is touched. May block (delays, stalls). Returns null
     * to serve the request normally, or the fault to act out instead: {@link FaultAction.Error},
     * {@link FaultAction.Disconnect}, {@link FaultAction.CutReply} or {@link FaultAction.MalformedReply}.
     */
    default FaultAction intercept(Object token) throws IOException {
        return null;
    }

    /** Just before the first byte of the reply to a served request is written (not for injected replies). */
    default void replying(Object token) {}

    /** After the reply went out: 0 for success, an NBD error value, {@link #NO_REPLY} or {@link #MALFORMED}. */
    default void replied(Object token, int error) {}

    /** The transmission flags to advertise for {@code export}, given those the server would. */
    default int transmissionFlags(String export, int flags) {
        return flags;
    }

    /** A connection ended. */
    default void closed(long connection) {}
}
