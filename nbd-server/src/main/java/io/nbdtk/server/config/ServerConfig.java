package io.nbdtk.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A parsed reference nbd-server config file: the generic section, the exports in file order
 * (includedir files after the main file, in sorted file-name order), and the start-up warnings
 * for reference keys nbdtk does not honour.
 */
public record ServerConfig(Path file, GenericSection generic, List<ExportSection> exports, List<ConfigWarning> warnings) {
    public ServerConfig {
        exports = List.copyOf(exports);
        warnings = List.copyOf(warnings);
    }

    public Optional<ExportSection> export(String name) {
        return exports.stream().filter(e -> e.name().equals(name)).findFirst();
    }
}
