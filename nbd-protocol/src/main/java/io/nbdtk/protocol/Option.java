package io.nbdtk.protocol;

/** Handshake options ({@code NBD_OPT_*}). Unknown wire values map to {@code null} in {@link #of}. */
public enum Option {
    EXPORT_NAME(1),
    ABORT(2),
    LIST(3),
    /** Withdrawn extension; servers answer ERR_UNSUP. */
    PEEK_EXPORT(4),
    STARTTLS(5),
    INFO(6),
    GO(7),
    STRUCTURED_REPLY(8),
    LIST_META_CONTEXT(9),
    SET_META_CONTEXT(10),
    EXTENDED_HEADERS(11);

    private static final Option[] BY_CODE = new Option[12];

    static {
        for (Option o : values()) {
            BY_CODE[o.code] = o;
        }
    }

    private final int code;

    Option(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The option with this wire value, or {@code null} when it is unknown. */
    public static Option of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** "NBD_OPT_GO", or "NBD_OPT_?(4711)" for an unknown value. */
    public static String nameOf(int code) {
        Option o = of(code);
        return o != null ? "NBD_OPT_" + o.name() : "NBD_OPT_?(" + Integer.toUnsignedString(code) + ")";
    }
}
