package io.nbdtk.protocol;

/** The {@code base:allocation} metadata context and its status flags. */
public final class BaseAllocation {
    private BaseAllocation() {}

    public static final String NAME = "base:allocation";
    /** Extent is not allocated (writes there may fail with ENOSPC). */
    public static final int STATE_HOLE = 1;
    /** Extent reads as zeros. */
    public static final int STATE_ZERO = 1 << 1;
}
