package io.nbdtk.fuse;

import java.io.IOException;

/** The connection to the server broke (as opposed to the server refusing one request). */
public class ConnectionLostException extends IOException {
    public ConnectionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
