package io.nbdtk.server.tls;

/**
 * What the spec's TLS rules (NBD proto.md, "TLS support") allow during option haggling, as pure
 * decisions for the handshake code to turn into replies. One gate per server configuration; the
 * per-connection state is only "has STARTTLS completed".
 */
public final class TlsGate {
    /** The answer to one option. */
    public enum Verdict {
        /** Serve the option normally. */
        PROCEED,
        /** Reply NBD_REP_ERR_TLS_REQD (or, for EXPORT_NAME, which cannot carry an error, disconnect). */
        TLS_REQUIRED,
        /** Reply NBD_REP_ERR_POLICY: TLS is not offered by this server. */
        POLICY,
        /** Reply NBD_REP_ERR_INVALID: STARTTLS again after TLS is up. */
        INVALID
    }

    private final TlsMode mode;
    private final boolean credentials;

    /**
     * @param mode configured mode
     * @param credentials whether a certificate and key are loaded (without them TLS is never offered)
     */
    public TlsGate(TlsMode mode, boolean credentials) {
        if (mode == TlsMode.REQUIRED && !credentials) {
            throw new IllegalArgumentException("TLS is required but no certificate and key are configured");
        }
        this.mode = mode;
        this.credentials = credentials;
    }

    public TlsMode mode() {
        return mode;
    }

    /** STARTTLS: upgrade once if TLS is offered; a second one is invalid. */
    public Verdict startTls(boolean tlsActive) {
        if (mode == TlsMode.OFF || !credentials) {
            return Verdict.POLICY;
        }
        return tlsActive ? Verdict.INVALID : Verdict.PROCEED;
    }

    /**
     * Any option other than STARTTLS and ABORT, before looking at which export it names. In
     * FORCEDTLS every such option (LIST, INFO, GO, unknown ones...) is refused until TLS is up.
     */
    public Verdict option(boolean tlsActive) {
        return mode == TlsMode.REQUIRED && !tlsActive ? Verdict.TLS_REQUIRED : Verdict.PROCEED;
    }

    /**
     * INFO, GO or EXPORT_NAME for an existing export: a TLS-only export is refused until TLS is up
     * (SELECTIVETLS). With TLS off a TLS-only export can never be reached, and the spec forbids
     * ERR_TLS_REQD in NOTLS mode, so it is simply unavailable.
     */
    public Verdict export(boolean exportTlsOnly, boolean tlsActive) {
        if (option(tlsActive) != Verdict.PROCEED) {
            return Verdict.TLS_REQUIRED;
        }
        if (!exportTlsOnly || tlsActive) {
            return Verdict.PROCEED;
        }
        return mode == TlsMode.OFF || !credentials ? Verdict.POLICY : Verdict.TLS_REQUIRED;
    }

    /** Whether LIST shows the export: TLS-only exports stay hidden until TLS is up. */
    public boolean listed(boolean exportTlsOnly, boolean tlsActive) {
        return !exportTlsOnly || tlsActive;
    }
}
