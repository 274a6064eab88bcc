package io.nbdtk.server.filter;

/** The store operations a filter can intercept (names follow the NBD commands). */
public enum Op {
    READ, WRITE, FLUSH, TRIM, ZERO, CACHE, EXTENTS;

    /** Parses "read", "pread", "zero", "write-zeroes", "block-status"... (case-insensitive). */
    public static Op parse(String s) {
        switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "read": case "pread": return READ;
            case "write": case "pwrite": return WRITE;
            case "flush": return FLUSH;
            case "trim": case "discard": return TRIM;
            case "zero": case "write-zeroes": case "write_zeroes": return ZERO;
            case "cache": return CACHE;
            case "extents": case "block-status": case "block_status": return EXTENTS;
            default: throw new IllegalArgumentException("unknown operation '" + s
                    + "' (read, write, flush, trim, zero, cache, extents)");
        }
    }
}
