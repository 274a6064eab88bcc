package io.nbdtk.fuse;

import jnr.ffi.annotations.SaveError;

/** The libc calls of the loopback mitigations. Public only because jnr-ffi implements it elsewhere. */
public interface ProcessLib {
    int MCL_CURRENT = 1;
    int MCL_FUTURE = 2;
    int MCL_ONFAULT = 4;
    int PR_SET_IO_FLUSHER = 57;

    @SaveError
    int mlockall(int flags);

    @SaveError
    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    String strerror(int errnum);
}
