package io.nbdtk.protocol;

/** Information types ({@code NBD_INFO_*}) requested in INFO/GO and sent in NBD_REP_INFO. */
public enum InfoType {
    EXPORT(0),
    NAME(1),
    DESCRIPTION(2),
    BLOCK_SIZE(3);

    private final int code;

    InfoType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The info type with this wire value, or {@code null} when it is unknown. */
    public static InfoType of(int code) {
        return code >= 0 && code < values().length ? values()[code] : null;
    }

    public static String nameOf(int code) {
        InfoType t = of(code);
        return t != null ? "NBD_INFO_" + t.name() : "NBD_INFO_?(" + code + ")";
    }
}
