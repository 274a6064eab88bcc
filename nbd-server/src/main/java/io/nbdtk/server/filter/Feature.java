package io.nbdtk.server.filter;

import java.util.Locale;

/** Server features a {@link FaultAction.HideFeatures} fault can hide from clients. */
public enum Feature {
    /** {@code NBD_OPT_STRUCTURED_REPLY} is answered with {@code NBD_REP_ERR_UNSUP}. */
    STRUCTURED_REPLIES,
    /** {@code NBD_FLAG_CAN_MULTI_CONN} is not advertised. */
    MULTI_CONN,
    /** {@code NBD_FLAG_SEND_TRIM} is not advertised. */
    TRIM,
    /** No meta context is offered, so {@code NBD_CMD_BLOCK_STATUS} cannot be used. */
    BLOCK_STATUS,
    /** {@code NBD_FLAG_SEND_FLUSH} is not advertised. */
    FLUSH,
    /** {@code NBD_FLAG_SEND_FUA} is not advertised. */
    FUA,
    /** {@code NBD_FLAG_SEND_WRITE_ZEROES} (and fast zero) are not advertised. */
    ZERO,
    /** {@code NBD_FLAG_SEND_FAST_ZERO} is not advertised. */
    FAST_ZERO,
    /** {@code NBD_FLAG_SEND_CACHE} is not advertised. */
    CACHE;

    public static Feature parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        if (n.equals("STRUCTURED_REPLY") || n.equals("SR")) {
            return STRUCTURED_REPLIES;
        }
        if (n.equals("WRITE_ZEROES")) {
            return ZERO;
        }
        try {
            return valueOf(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown feature '" + name + "' (one of structured-replies, "
                    + "multi-conn, trim, block-status, flush, fua, zero, fast-zero, cache)");
        }
    }

    /** The spelling used in the text form of faults. */
    public String spec() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
