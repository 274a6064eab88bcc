package io.nbdtk.server.acl;

import io.nbdtk.protocol.Option;
import io.nbdtk.protocol.OptionReplyType;
import io.nbdtk.server.Export;
import io.nbdtk.server.HandshakePolicy;
import io.nbdtk.server.Peer;
import io.nbdtk.server.tls.ServerTls;
import io.nbdtk.server.tls.TlsChannel;
import io.nbdtk.server.tls.TlsGate;
import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drop-in server's handshake policy: the spec's TLS modes (via {@link TlsGate}), per-export
 * allow lists ({@link AuthFile}), {@code allowlist} for LIST, and connection limits. Refusals
 * are ERR_TLS_REQD (TLS first) or ERR_POLICY (configuration forbids it), as the reference sends;
 * for EXPORT_NAME the core turns any refusal into a disconnect.
 *
 * <p>Per-export rules are looked up by export name, so the same policy serves exports added by a
 * reload once their rules are {@link #put}.
 */
public final class AccessPolicy implements HandshakePolicy {
    private static final Logger log = LoggerFactory.getLogger(AccessPolicy.class);

    /** What one export demands of a client. */
    public record ExportRules(boolean tlsOnly, Optional<AuthFile> authFile, OptionalInt maxConnections,
            Duration idleTimeout) {
        public static final ExportRules OPEN = new ExportRules(false, Optional.empty(), OptionalInt.empty());

        public ExportRules(boolean tlsOnly, Optional<AuthFile> authFile, OptionalInt maxConnections) {
            this(tlsOnly, authFile, maxConnections, Duration.ZERO);
        }
    }

    private final TlsGate gate;
    private final Optional<ServerTls> tls;
    private final boolean allowList;
    private final ConnectionLimits limits;
    private final Map<String, ExportRules> rules = new ConcurrentHashMap<>();
    /** Slots held by connections, keyed by the connection's thread (each runs on its own). */
    private final Map<Thread, ConnectionLimits.Permit> serverSlots = new ConcurrentHashMap<>();
    private final Map<Thread, ConnectionLimits.Permit> exportSlots = new ConcurrentHashMap<>();

    public AccessPolicy(TlsGate gate, Optional<ServerTls> tls, boolean allowList, ConnectionLimits limits) {
        this.gate = gate;
        this.tls = tls;
        this.allowList = allowList;
        this.limits = limits;
    }

    public void put(String export, ExportRules r) {
        rules.put(export, r);
    }

    public void remove(String export) {
        rules.remove(export);
    }

    private ExportRules rules(Export export) {
        return rules.getOrDefault(export.name(), ExportRules.OPEN);
    }

    @Override
    public boolean offersTls(Peer peer) {
        return tls.isPresent() && gate.startTls(peer.tls()) == TlsGate.Verdict.PROCEED;
    }

    @Override
    public ByteChannel startTls(ByteChannel plain, Peer peer) throws IOException {
        TlsChannel channel = new TlsChannel(plain, tls.orElseThrow().newEngine());
        try {
            channel.handshake();
        } catch (IOException | RuntimeException e) {
            log.info("{}: TLS handshake failed: {}", peer.remote(), e.toString());
            channel.close();
            throw e;
        }
        return channel;
    }

    @Override
    public Refusal check(Peer peer, Option option, Export export) {
        if (gate.option(peer.tls()) != TlsGate.Verdict.PROCEED) {
            return new Refusal(OptionReplyType.ERR_TLS_REQD, "TLS is required on this server");
        }
        if (option == Option.LIST) {
            return allowList ? null : new Refusal(OptionReplyType.ERR_POLICY, "listing exports is not allowed");
        }
        if (export == null) {
            return null;
        }
        ExportRules r = rules(export);
        switch (gate.export(r.tlsOnly(), peer.tls())) {
            case TLS_REQUIRED:
                return new Refusal(OptionReplyType.ERR_TLS_REQD, "export '" + export.name() + "' requires TLS");
            case PROCEED:
                break;
            default:
                return new Refusal(OptionReplyType.ERR_POLICY, "export '" + export.name() + "' needs TLS, which is off");
        }
        if (r.authFile().isPresent()) {
            AuthFile.Decision d = r.authFile().get().check(peer.remote());
            if (!d.allowed()) {
                log.info("{}: export '{}' refused: {}", peer.remote(), export.name(), d.reason());
                return new Refusal(OptionReplyType.ERR_POLICY, "Access denied by server configuration");
            }
        }
        if (option == Option.GO || option == Option.EXPORT_NAME) {
            Optional<ConnectionLimits.Permit> permit = limits.useExport(export.name(), r.maxConnections());
            if (permit.isEmpty()) {
                log.info("{}: export '{}' refused: maxconnections reached", peer.remote(), export.name());
                return new Refusal(OptionReplyType.ERR_POLICY, "Access denied by server configuration");
            }
            ConnectionLimits.Permit previous = exportSlots.put(Thread.currentThread(), permit.get());
            if (previous != null) {
                previous.close();
            }
        }
        return null;
    }

    @Override
    public boolean lists(Peer peer, Export export) {
        return gate.listed(rules(export).tlsOnly(), peer.tls());
    }

    @Override
    public Duration idleTimeout(Peer peer, Export export) {
        return rules(export).idleTimeout();
    }

    @Override
    public boolean accept(Peer peer) {
        Optional<ConnectionLimits.Permit> permit = limits.acceptConnection();
        if (permit.isEmpty()) {
            log.info("{}: refused: server maxconnections reached", peer.remote());
            return false;
        }
        serverSlots.put(Thread.currentThread(), permit.get());
        return true;
    }

    @Override
    public void closed(Peer peer) {
        ConnectionLimits.Permit p = exportSlots.remove(Thread.currentThread());
        if (p != null) {
            p.close();
        }
        p = serverSlots.remove(Thread.currentThread());
        if (p != null) {
            p.close();
        }
    }
}
