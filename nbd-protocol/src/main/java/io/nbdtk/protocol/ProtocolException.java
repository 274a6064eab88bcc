package io.nbdtk.protocol;

import java.io.IOException;

/**
 * The peer sent bytes that break the NBD protocol (bad magic, impossible length, invalid string).
 * The stream cannot be trusted afterwards: the connection should be closed.
 */
public class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
