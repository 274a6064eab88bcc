package io.nbdtk.server.store;

/** A run of bytes with one allocation status ({@code base:allocation} bits). */
public record Extent(long length, int flags) {
    /** Not allocated (NBD_STATE_HOLE). */
    public static final int HOLE = 1;
    /** Reads as zeros (NBD_STATE_ZERO). */
    public static final int ZERO = 2;
    /** The status of an untouched sparse range. */
    public static final int HOLE_ZERO = HOLE | ZERO;
    public static final int DATA = 0;

    public Extent {
        if (length <= 0) {
            throw new IllegalArgumentException("extent length must be positive: " + length);
        }
    }

    public boolean isHole() {
        return (flags & HOLE) != 0;
    }

    public boolean isZero() {
        return (flags & ZERO) != 0;
    }
}
