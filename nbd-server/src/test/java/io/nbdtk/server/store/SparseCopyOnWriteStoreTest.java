package io.nbdtk.server.store;

/** The same behaviour with {@code sparse_cow}: blocks at their own offsets in a sparse diff file. */
class SparseCopyOnWriteStoreTest extends CopyOnWriteStoreTest {
    @Override
    boolean sparse() {
        return true;
    }
}
