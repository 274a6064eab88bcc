package io.nbdtk.server.store;

import io.nbdtk.protocol.NbdError;

import java.io.IOException;

/** A store failure that names the NBD error the client should get. */
public class StoreException extends IOException {
    private final NbdError error;

    public StoreException(NbdError error, String message) {
        super(message);
        this.error = error;
    }

    public StoreException(NbdError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    public NbdError error() {
        return error;
    }

    /** The NBD error for any failure: a StoreException's own, EIO for everything else. */
    public static NbdError errorOf(Throwable t) {
        if (t instanceof StoreException se) {
            return se.error;
        }
        String m = String.valueOf(t.getMessage());
        if (m.contains("No space left") || m.contains("quota") || m.contains("File too large")) {
            return NbdError.ENOSPC;
        }
        if (t instanceof java.nio.file.AccessDeniedException || t instanceof java.nio.channels.NonWritableChannelException) {
            return NbdError.EPERM;
        }
        return NbdError.EIO;
    }
}
