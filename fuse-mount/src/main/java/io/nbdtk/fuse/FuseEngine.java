package io.nbdtk.fuse;

/** Which FUSE implementation serves the mount. */
public enum FuseEngine {
    /**
     * nbd-fuse's own: the kernel protocol on /dev/fuse, with async direct I/O, 1 MiB requests and
     * parallel direct writes (the default).
     */
    KERNEL,
    /** libfuse 2 through jnr-fuse: 128 KiB requests, one O_DIRECT request in flight per file. */
    LIBFUSE2
}
