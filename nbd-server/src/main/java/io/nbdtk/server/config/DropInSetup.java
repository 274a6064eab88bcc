package io.nbdtk.server.config;

import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.acl.AccessPolicy;
import io.nbdtk.server.acl.ConnectionLimits;
import io.nbdtk.server.tls.ServerTls;
import io.nbdtk.server.tls.TlsMaterialException;
import io.nbdtk.server.tls.TlsMode;
import io.nbdtk.server.tls.TlsSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the drop-in options (a reference config file, TLS flags) add to a server: exports, where
 * to listen, and the handshake policy (TLS, allow lists, limits). The CLI applies it to its
 * builder; CLI flags given explicitly win over the config file.
 */
public final class DropInSetup {
    private final Optional<ServerConfig> config;
    private final List<ExportSpec> exports = new ArrayList<>();
    private final AccessPolicy policy;
    private final TlsSettings tls;

    private DropInSetup(Optional<ServerConfig> config, AccessPolicy policy, TlsSettings tls) {
        this.config = config;
        this.policy = policy;
        this.tls = tls;
    }

    /**
     * @param configFile reference config file, if any
     * @param cliTls TLS flags from the command line: mode (null = not given), cert, key, CA
     */
    public static DropInSetup create(Optional<Path> configFile, TlsMode cliMode, Optional<Path> cliCert,
            Optional<Path> cliKey, Optional<Path> cliCa) throws ConfigException, TlsMaterialException {
        Optional<ServerConfig> config = Optional.empty();
        if (configFile.isPresent()) {
            config = Optional.of(ConfigFileParser.parse(configFile.get()));
        }
        Optional<GenericSection> g = config.map(ServerConfig::generic);
        Optional<Path> key = cliKey.or(() -> g.flatMap(GenericSection::keyFile));
        Optional<Path> cert = cliCert.or(() -> cliKey.isPresent() ? Optional.empty()
                : g.flatMap(GenericSection::effectiveCertFile));
        Optional<Path> ca = cliCa.or(() -> g.flatMap(GenericSection::caCertFile));
        TlsMode mode = cliMode;
        if (mode == null) {
            boolean forced = g.map(GenericSection::forceTls).orElse(false);
            mode = key.isEmpty() ? TlsMode.OFF : forced ? TlsMode.REQUIRED : TlsMode.OPTIONAL;
            if (forced && key.isEmpty()) {
                throw new TlsMaterialException("force_tls is set but no keyfile is configured");
            }
        }
        TlsSettings tls = new TlsSettings(mode, cert, key, ca);
        Optional<ServerTls> loaded = tls.load();
        boolean allowList = g.map(GenericSection::allowList).orElse(true);
        OptionalInt max = g.map(GenericSection::maxConnections).orElse(OptionalInt.empty());
        AccessPolicy policy = new AccessPolicy(tls.gate(loaded), loaded, allowList, new ConnectionLimits(max));
        DropInSetup setup = new DropInSetup(config, policy, tls);
        if (config.isPresent()) {
            for (ExportSection s : config.get().exports()) {
                setup.exports.add(ConfigExports.spec(s));
                policy.put(s.name(), ConfigExports.rules(s));
            }
        }
        return setup;
    }

    public Optional<ServerConfig> config() {
        return config;
    }

    public List<ConfigWarning> warnings() {
        return config.map(ServerConfig::warnings).orElse(List.of());
    }

    public List<ExportSpec> exports() {
        return List.copyOf(exports);
    }

    public AccessPolicy policy() {
        return policy;
    }

    public TlsSettings tls() {
        return tls;
    }

    /**
     * Where the config file says to listen: the Unix socket (plus TCP with {@code duallisten}),
     * or TCP on every {@code listenaddr}. {@code ::} already covers IPv4 on Linux (dual stack),
     * so {@code 0.0.0.0} next to it is not bound twice.
     */
    public List<SocketAddress> listenAddresses() throws ConfigException, UnknownHostException {
        if (config.isEmpty()) {
            return List.of();
        }
        GenericSection g = config.get().generic();
        List<SocketAddress> out = new ArrayList<>();
        if (g.unixSocket().isPresent()) {
            out.add(UnixDomainSocketAddress.of(g.unixSocket().get().toString()));
            if (!g.dualListen()) {
                return out;
            }
        }
        if (g.port() == 0) {
            throw new ConfigException(config.get().file(), "port = 0 (inetd mode) is not supported; give a port or --listen");
        }
        boolean anyV6 = g.listenAddresses().contains("::");
        for (String a : g.listenAddresses()) {
            if (anyV6 && a.equals("0.0.0.0")) {
                continue;
            }
            out.add(new InetSocketAddress(InetAddress.getByName(a), g.port()));
        }
        return out;
    }
}
