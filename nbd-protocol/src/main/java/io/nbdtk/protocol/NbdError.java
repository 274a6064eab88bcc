package io.nbdtk.protocol;

/** Error values of transmission replies ({@code NBD_E*}); not host errno numbers. */
public enum NbdError {
    EPERM(1),
    EIO(5),
    ENOMEM(12),
    EINVAL(22),
    ENOSPC(28),
    EOVERFLOW(75),
    ENOTSUP(95),
    ESHUTDOWN(108);

    private final int code;

    NbdError(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The error with this wire value, or {@code null} when it is unknown (or 0, success). */
    public static NbdError of(int code) {
        for (NbdError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return null;
    }

    /** As the spec asks of clients: an unknown non-zero error value counts as EINVAL. */
    public static NbdError orEinval(int code) {
        NbdError e = of(code);
        return e != null ? e : EINVAL;
    }

    public static String nameOf(int code) {
        NbdError e = of(code);
        return e != null ? "NBD_" + e.name() : "NBD_E?(" + Integer.toUnsignedString(code) + ")";
    }
}
