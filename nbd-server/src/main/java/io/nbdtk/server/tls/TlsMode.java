package io.nbdtk.server.tls;

/**
 * Server-wide TLS mode (the spec's NOTLS / SELECTIVETLS / FORCEDTLS, nbdkit's --tls=off/on/require).
 * Per-export TLS-only exports turn {@link #OPTIONAL} into the spec's SELECTIVETLS.
 */
public enum TlsMode {
    /** STARTTLS is refused with ERR_POLICY; ERR_TLS_REQD is never sent. */
    OFF,
    /** STARTTLS is accepted; exports marked TLS-only are hidden and refused until it is done. */
    OPTIONAL,
    /** Before STARTTLS only STARTTLS and ABORT are served; everything else gets ERR_TLS_REQD. */
    REQUIRED;

    /** Parses the CLI spelling {@code off|on|require} (also {@code optional}, {@code required}). */
    public static TlsMode fromCli(String s) {
        return switch (s) {
            case "off" -> OFF;
            case "on", "optional" -> OPTIONAL;
            case "require", "required" -> REQUIRED;
            default -> throw new IllegalArgumentException("--tls must be off, on or require, not '" + s + "'");
        };
    }
}
