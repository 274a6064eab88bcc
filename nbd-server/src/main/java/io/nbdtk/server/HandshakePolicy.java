package io.nbdtk.server;

import io.nbdtk.protocol.Option;
import io.nbdtk.protocol.OptionReplyType;
import java.io.IOException;
import java.nio.channels.ByteChannel;

/**
 * The hook through which TLS and access control plug into the handshake without touching it.
 * The default policy is "no TLS, everything allowed": STARTTLS gets ERR_UNSUP.
 */
public interface HandshakePolicy {
    HandshakePolicy OPEN = new HandshakePolicy() {};

    /** A refusal: the option reply error to send (for EXPORT_NAME: the connection is dropped). */
    record Refusal(OptionReplyType type, String message) {}

    /** Whether STARTTLS is offered to this peer (false: ERR_UNSUP). */
    default boolean offersTls(Peer peer) {
        return false;
    }

    /**
     * Runs the TLS handshake over {@code plain} after the server's ACK to STARTTLS and returns the
     * encrypted channel. A failure ends the connection, as the spec requires.
     */
    default ByteChannel startTls(ByteChannel plain, Peer peer) throws IOException {
        throw new IOException("TLS is not configured");
    }

    /**
     * Called before each option other than ABORT and STARTTLS. {@code export} is the export the
     * option names (INFO, GO, EXPORT_NAME, LIST/SET_META_CONTEXT) when it exists, else null;
     * {@code option} is null for options unknown to the server.
     * Returns null to go on, or the refusal (e.g. ERR_TLS_REQD before TLS, ERR_POLICY for ACLs).
     */
    default Refusal check(Peer peer, Option option, Export export) {
        return null;
    }

    /** Whether LIST shows {@code export} to this peer. */
    default boolean lists(Peer peer, Export export) {
        return true;
    }

    /**
     * Called on the connection's own thread when it is accepted, before the greeting; false closes
     * it at once (e.g. a server-wide connection limit).
     */
    default boolean accept(Peer peer) {
        return true;
    }

    /**
     * How long a connection to {@code export} may go without sending anything before it is closed
     * ({@link java.time.Duration#ZERO}: never).
     */
    default java.time.Duration idleTimeout(Peer peer, Export export) {
        return java.time.Duration.ZERO;
    }

    /** Called on the connection's own thread when it ends, however it ends, if it was accepted. */
    default void closed(Peer peer) {}
}
