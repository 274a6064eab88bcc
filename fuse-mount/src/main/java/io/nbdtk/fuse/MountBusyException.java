package io.nbdtk.fuse;

import java.io.IOException;

/** The kernel refused to unmount because files on the mount are open or a process sits in it. */
public class MountBusyException extends IOException {
    public MountBusyException(String message) {
        super(message);
    }
}
