package io.nbdtk.server.tls;

/** Whether clients must, may or need not present a certificate (checked against the CA file). */
public enum ClientAuth {
    /** No CA configured: no client certificate is asked for. */
    NONE,
    /** A certificate is asked for and verified if sent; clients without one are still served. */
    WANT,
    /** A certificate chaining to the CA is required; the TLS handshake fails without one. */
    NEED
}
