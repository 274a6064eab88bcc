package io.nbdtk.server.config;

import java.nio.file.Path;

/**
 * A configuration file that cannot be used. The message always names the file and, where there is
 * one, the line and the key, so an operator can go straight to the mistake.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(Path file, int line, String key, String problem) {
        super(file + ":" + line + (key == null ? "" : ": key '" + key + "'") + ": " + problem);
    }

    public ConfigException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public ConfigException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
