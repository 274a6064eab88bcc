package io.nbdtk.client;

import java.io.IOException;

/** The connection is closed (by the user, the server, a protocol violation or a timeout). */
public class NbdConnectionClosedException extends IOException {
    private static final long serialVersionUID = 1L;

    public NbdConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
