package io.nbdtk.server.config;

import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.NbdServer;
import io.nbdtk.server.acl.AccessPolicy;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP: re-reads the config file and adds, removes or replaces exports on the running server.
 * Connections to unchanged exports are untouched; connections to removed or changed exports
 * finish on the old definition. A config file that no longer parses changes nothing (the error
 * is logged). Changes to {@code [generic]} (listen addresses, TLS) need a restart and are
 * reported as such.
 */
public final class ConfigReloader {
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final NbdServer server;
    private final AccessPolicy policy;
    private final Function<ExportSpec, ExportSpec> decorate;
    private ServerConfig current;

    /**
     * @param decorate applied to each new export spec (e.g. the CLI's --filter list)
     */
    public ConfigReloader(NbdServer server, AccessPolicy policy, ServerConfig current,
            Function<ExportSpec, ExportSpec> decorate) {
        this.server = server;
        this.policy = policy;
        this.current = current;
        this.decorate = decorate;
    }

    /** Applies the config file as it is now; returns what changed (empty if it could not be read). */
    public synchronized ExportChanges reload() {
        ServerConfig next;
        try {
            next = ConfigFileParser.parse(current.file());
        } catch (ConfigException e) {
            log.error("reload: keeping the running configuration: {}", e.getMessage());
            return new ExportChanges(List.of(), List.of(), List.of());
        }
        for (ConfigWarning w : next.warnings()) {
            log.warn("{}", w);
        }
        if (!next.generic().equals(current.generic())) {
            log.warn("reload: changes to [generic] (listen addresses, TLS, limits) take effect after a restart");
        }
        ExportChanges changes = ExportChanges.between(current.exports(), next.exports());
        for (String name : changes.removed()) {
            server.removeExport(name);
            policy.remove(name);
            log.info("reload: removed export '{}'", name);
        }
        for (ExportSection s : changes.changed()) {
            server.removeExport(s.name());
            add(s, "replaced");
        }
        for (ExportSection s : changes.added()) {
            add(s, "added");
        }
        current = next;
        return changes;
    }

    private void add(ExportSection s, String what) {
        try {
            policy.put(s.name(), ConfigExports.rules(s));
            server.addExport(decorate.apply(ConfigExports.spec(s)));
            log.info("reload: {} export '{}'", what, s.name());
        } catch (Exception e) {
            policy.remove(s.name());
            log.error("reload: export '{}' ({}:{}) could not be opened: {}", s.name(), s.sourceFile(), s.sourceLine(),
                    e.toString());
        }
    }
}
