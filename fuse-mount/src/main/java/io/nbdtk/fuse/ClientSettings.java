package io.nbdtk.fuse;

import java.time.Duration;

/** The connection settings the command line gives every export source. */
record ClientSettings(boolean readOnly, int connections, Duration requestTimeout, Duration reconnectTimeout) {
    ClientSettings {
        if (connections < 1) {
            throw new IllegalArgumentException("--connections must be at least 1");
        }
    }
}
