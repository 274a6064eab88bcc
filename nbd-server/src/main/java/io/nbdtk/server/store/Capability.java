package io.nbdtk.server.store;

/** What a {@link BlockStore} supports; the server advertises transmission flags from these. */
public enum Capability {
    /** write/trim/zero are allowed (absent: the export is read-only). */
    WRITE,
    FLUSH,
    FUA,
    TRIM,
    ZERO,
    /** zero() understands {@link BlockStore#FAST_ZERO} (and answers ENOTSUP when not fast). */
    FAST_ZERO,
    CACHE,
    /** extents() reports real allocation (otherwise it reports everything as data). */
    EXTENTS,
    /** All connections see one state: a flush on one covers writes acknowledged on all. */
    MULTI_CONN,
    /**
     * extents() is cheap enough to ask on every large read, so holes can be sent as OFFSET_HOLE.
     * Not for files: SEEK_HOLE walks every cached page of a data run (tmpfs, ext4), which made
     * 64 KiB reads of a filled /dev/shm file 40 times slower.
     */
    CHEAP_EXTENTS,
    /** transferTo() can move bytes to a channel without a heap copy. */
    TRANSFER_TO,
    /**
     * transferFrom() receives a WRITE payload from the connection straight into the store's
     * memory, saving the copy out of an intermediate buffer. A filter that looks at or changes
     * written data must not report it ({@code FilterStore} drops it).
     */
    TRANSFER_FROM,
    /**
     * Like {@link #TRANSFER_FROM}, but transferFrom() needs a source that can splice
     * ({@link PayloadSource#spliceTo}): a plain socket, not TLS. The payload goes from the socket
     * into the file inside the kernel. Filters treat it as they treat TRANSFER_FROM.
     */
    SPLICE_FROM,
    /**
     * spliceTo() sends a read reply's data from the store's file to the socket by page reference
     * ({@link io.nbdtk.server.os.SocketSplice#fileToSocket}): a plain socket, not TLS. Only for
     * stores whose reads never wait for a disk, as the reply lock is held throughout.
     */
    SPLICE_TO,
    /**
     * With {@link #SPLICE_TO}: spliceTo() sends from a mapping of the store's memory
     * ({@link io.nbdtk.server.os.FileMapping}), which pays from small reads on, not only large ones.
     */
    MAPPED_READS,
    /** The backing medium behaves like a spinning disk (a hint for client elevators). */
    ROTATIONAL,
    /**
     * Every operation is a short computation in memory that never waits (no I/O, no sleeping, no
     * lock held for long), so the server may serve small requests on the thread that reads them
     * instead of handing them to another thread. A filter that may delay or block an operation
     * must not report it ({@code FilterStore} drops it unless a filter says otherwise).
     */
    INLINE
}
