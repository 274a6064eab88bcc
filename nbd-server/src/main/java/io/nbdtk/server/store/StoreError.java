package io.nbdtk.server.store;

/**
 * The errors a store can report; names and values match the NBD error values so the connection
 * code maps them one to one.
 */
public enum StoreError {
    EPERM(1),
    EIO(5),
    ENOMEM(12),
    EINVAL(22),
    ENOSPC(28),
    EOVERFLOW(75),
    ENOTSUP(95),
    ESHUTDOWN(108);

    private final int code;

    StoreError(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** Parses a name such as "EIO" or "eio" (for CLI filter options). */
    public static StoreError parse(String name) {
        return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
    }
}
