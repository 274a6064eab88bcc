package io.nbdtk.server.config;

import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.acl.AccessPolicy;
import io.nbdtk.server.acl.AuthFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Config-file export sections as the same {@link ExportSpec}s the CLI's {@code --export} builds. */
public final class ConfigExports {
    private ConfigExports() {}

    public static ExportSpec spec(ExportSection s) {
        // FLUSH and FUA are gated separately by DurabilityFilter; the spec only has one switch.
        boolean flushOrFua = s.flush() || s.fua();
        // Private stores per connection (copy-on-write, temporary): a flush covers one connection only.
        boolean multiConn = !(s.copyOnWrite() || s.temporary());
        return new ExportSpec(s.name(), "", new ConfigBackend(s.definition()), s.readOnly(), s.trim(), flushOrFua, s.rotational(),
                multiConn, 1, List.of());
    }

    public static AccessPolicy.ExportRules rules(ExportSection s) {
        return rules(s.tlsOnly(), s.authFile(), s.maxConnections(), s.idleTimeout());
    }

    /** The rules of an export that has no section (a memory export given with {@code --export}). */
    static AccessPolicy.ExportRules rules(boolean tlsOnly, Optional<Path> authFile, OptionalInt maxConnections,
            Duration idleTimeout) {
        return new AccessPolicy.ExportRules(tlsOnly, authFile.map(AuthFile::new), maxConnections, idleTimeout);
    }
}
