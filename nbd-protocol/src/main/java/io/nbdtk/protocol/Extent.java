package io.nbdtk.protocol;

/**
 * One block status extent: a length (non-zero) and status flags (for base:allocation see
 * {@link BaseAllocation}). u32 each in BLOCK_STATUS, u64 each in BLOCK_STATUS_EXT.
 */
public record Extent(long length, long flags) {
    public boolean isHole() {
        return (flags & BaseAllocation.STATE_HOLE) != 0;
    }

    public boolean isZero() {
        return (flags & BaseAllocation.STATE_ZERO) != 0;
    }
}
