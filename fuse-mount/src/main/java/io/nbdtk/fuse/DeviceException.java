package io.nbdtk.fuse;

import java.io.IOException;

/** A failed device request, carrying the errno the file's user should see. */
public class DeviceException extends IOException {
    private final int errno;

    public DeviceException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    public DeviceException(int errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** The positive Linux errno (EIO, ENOSPC, EPERM, EINVAL, ...). */
    public int errno() {
        return errno;
    }
}
