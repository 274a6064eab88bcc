package io.nbdtk.server.tls;

/** Certificate, key or CA files that cannot be turned into a TLS context; the message names the file. */
public final class TlsMaterialException extends Exception {
    private static final long serialVersionUID = 1L;

    public TlsMaterialException(String message) {
        super(message);
    }

    public TlsMaterialException(String message, Throwable cause) {
        super(message, cause);
    }
}
