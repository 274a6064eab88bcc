package io.nbdtk.server.filter;

import java.util.Locale;

/**
 * The kinds of transmission request that faults target and recordings name. Spelled like the
 * BlockStore operations they reach ({@code ZERO} is {@code NBD_CMD_WRITE_ZEROES}); the parser also
 * accepts the protocol spelling and nbdkit's ({@code pread}, {@code pwrite}, {@code extents}).
 */
public enum RequestKind {
    READ, WRITE, FLUSH, TRIM, ZERO, BLOCK_STATUS, CACHE,
    /** A soft disconnect request; recorded, never the target of a fault. */
    DISC;

    /** Parses a name case-insensitively, with the aliases above. */
    public static RequestKind parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        if (n.startsWith("NBD_CMD_")) {
            n = n.substring("NBD_CMD_".length());
        }
        switch (n) {
            case "PREAD": return READ;
            case "PWRITE": return WRITE;
            case "WRITE_ZEROES": return ZERO;
            case "EXTENTS": return BLOCK_STATUS;
            default:
                try {
                    return valueOf(n);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown request kind '" + name
                            + "' (one of read, write, flush, trim, zero, block_status, cache)");
                }
        }
    }

    /** The {@code NBD_CMD_*} value of this kind. */
    public int commandCode() {
        switch (this) {
            case READ: return 0;
            case WRITE: return 1;
            case DISC: return 2;
            case FLUSH: return 3;
            case TRIM: return 4;
            case CACHE: return 5;
            case ZERO: return 6;
            case BLOCK_STATUS: return 7;
            default: throw new AssertionError(this);
        }
    }

    /** The kind of an {@code NBD_CMD_*} value, or {@code null} for a command we do not know. */
    public static RequestKind ofCommandCode(int code) {
        for (RequestKind k : values()) {
            if (k.commandCode() == code) {
                return k;
            }
        }
        return null;
    }
}
