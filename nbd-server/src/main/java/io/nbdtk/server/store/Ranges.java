package io.nbdtk.server.store;

import io.nbdtk.protocol.NbdError;

/** Range checks shared by the stores; overflow-safe. */
public final class Ranges {
    private Ranges() {}

    /** EINVAL unless {@code [offset, offset+length)} lies inside {@code [0, size)}. */
    public static void checkRead(long offset, long length, long size) throws StoreException {
        if (!inside(offset, length, size)) {
            throw new StoreException(NbdError.EINVAL, "range " + offset + "+" + length + " beyond size " + size);
        }
    }

    /** ENOSPC (as the spec suggests for writes) unless the range lies inside the store. */
    public static void checkWrite(long offset, long length, long size) throws StoreException {
        if (!inside(offset, length, size)) {
            throw new StoreException(NbdError.ENOSPC, "range " + offset + "+" + length + " beyond size " + size);
        }
    }

    public static boolean inside(long offset, long length, long size) {
        return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
    }
}
