package io.nbdtk.server.config;

import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.acl.AccessPolicy;
import io.nbdtk.server.acl.AuthFile;
import java.util.List;

/** Config-file export sections as the same {@link ExportSpec}s the CLI's {@code --export} builds. */
public final class ConfigExports {
    private ConfigExports() {}

    public static ExportSpec spec(ExportSection s) {
        // FLUSH and FUA are gated separately by DurabilityFilter; the spec only has one switch.
        boolean flushOrFua = s.flush() || s.fua();
        // Private stores per connection (copy-on-write, temporary): a flush covers one connection only.
        boolean multiConn = !(s.copyOnWrite() || s.temporary());
        return new ExportSpec(s.name(), "", new ConfigBackend(s), s.readOnly(), s.trim(), flushOrFua, s.rotational(),
                multiConn, 1, List.of());
    }

    public static AccessPolicy.ExportRules rules(ExportSection s) {
        return new AccessPolicy.ExportRules(s.tlsOnly(), s.authFile().map(AuthFile::new), s.maxConnections(),
                s.idleTimeout());
    }
}
