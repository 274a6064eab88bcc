package io.nbdtk.protocol;

/** Transmission commands ({@code NBD_CMD_*}, u16 in the request header). */
public enum Command {
    READ(0),
    WRITE(1),
    DISC(2),
    FLUSH(3),
    TRIM(4),
    CACHE(5),
    WRITE_ZEROES(6),
    BLOCK_STATUS(7),
    /** Resize extension (never merged into the spec). */
    RESIZE(8);

    private static final Command[] BY_CODE = values();

    private final int code;

    Command(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The command with this wire value, or {@code null} when it is unknown (no allocation). */
    public static Command of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    public static String nameOf(int code) {
        Command c = of(code);
        return c != null ? "NBD_CMD_" + c.name() : "NBD_CMD_?(" + code + ")";
    }
}
