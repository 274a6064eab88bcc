package io.nbdtk.server.config;

import io.nbdtk.server.NbdServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference server's signals for a running nbdtk server: SIGHUP re-reads the config file
 * (when there is one), SIGUSR1 logs statistics (and rewrites {@code --stats-json}); statistics
 * are also reported at shutdown. SIGTERM/SIGINT shutdown itself is the CLI's shutdown hook.
 */
public final class ServerSignals {
    private static final Logger log = LoggerFactory.getLogger(ServerSignals.class);

    private final NbdServer server;
    private final Optional<ConfigReloader> reloader;
    private final Optional<Path> statsJson;
    private final PrintStream err;

    public ServerSignals(NbdServer server, Optional<ConfigReloader> reloader, Optional<Path> statsJson, PrintStream err) {
        this.server = server;
        this.reloader = reloader;
        this.statsJson = statsJson;
        this.err = err;
    }

    /** Installs the handlers; a signal the JVM will not hand over is logged and skipped. */
    public void install() {
        reloader.ifPresent(r -> handle("HUP", () -> {
            err.println("nbd-server: SIGHUP: re-reading the config file");
            r.reload();
        }));
        handle("USR1", this::report);
    }

    /** Prints the statistics and writes the JSON file (if configured). */
    public void report() {
        for (String line : StatsReport.lines(server.exports().values())) {
            err.println("nbd-server: stats: " + line);
        }
        err.flush();
        if (statsJson.isPresent()) {
            try {
                StatsReport.writeJson(server.exports().values(), statsJson.get());
            } catch (IOException e) {
                log.warn("cannot write {}: {}", statsJson.get(), e.toString());
            }
        }
    }

    @SuppressWarnings("restriction")
    private static void handle(String name, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    log.error("SIG{} handler failed: {}", name, e.toString());
                }
            });
        } catch (IllegalArgumentException e) {
            log.warn("SIG{} cannot be handled in this JVM: {}", name, e.getMessage());
        }
    }
}
