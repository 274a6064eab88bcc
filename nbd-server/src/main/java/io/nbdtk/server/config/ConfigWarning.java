package io.nbdtk.server.config;

import java.nio.file.Path;

/**
 * A key the reference nbd-server knows but nbdtk does not honour (or honours differently). The
 * server logs every warning at start-up so nothing in a config file is silently dropped.
 */
public record ConfigWarning(Path file, int line, String key, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ": key '" + key + "': " + message;
    }
}
