package io.nbdtk.server.filter;

import io.nbdtk.server.os.SocketSplice;
import io.nbdtk.server.store.BlockStore;
import io.nbdtk.server.store.Capability;
import io.nbdtk.server.store.Extent;
import io.nbdtk.server.store.PayloadSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Base of every filter: passes each call to {@code next}, first calling {@link #before} (a
 * one-method hook enough for fault and delay filters), and lets subclasses override single
 * operations when they change more. Like an nbdkit filter, a subclass changes one concern.
 */
public abstract class FilterStore implements BlockStore {
    protected final BlockStore next;

    protected FilterStore(BlockStore next) {
        this.next = next;
    }

    public BlockStore next() {
        return next;
    }

    /** Called before every operation is passed on; throw to fail it. Default: nothing. */
    protected void before(Op op, long offset, long length) throws IOException {}

    @Override
    public long size() {
        return next.size();
    }

    /**
     * The next store's capabilities without {@link Capability#INLINE}: a filter may delay or block
     * (gates, delays, fault injection), so only a filter that knows it never does keeps it.
     * Likewise without {@link Capability#TRANSFER_FROM}, which hands the payload to the store
     * unseen: only a filter that never looks at written data keeps it.
     */
    @Override
    public Set<Capability> capabilities() {
        Set<Capability> caps = EnumSet.noneOf(Capability.class);
        caps.addAll(next.capabilities());
        caps.remove(Capability.INLINE);
        caps.remove(Capability.TRANSFER_FROM);
        caps.remove(Capability.SPLICE_FROM);
        return caps;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        before(Op.READ, offset, dst.remaining());
        next.read(offset, dst);
    }

    @Override
    public void transferTo(ByteBuffer prefix, long offset, long length, WritableByteChannel target) throws IOException {
        before(Op.READ, offset, length);
        next.transferTo(prefix, offset, length, target);
    }

    @Override
    public void spliceTo(ByteBuffer prefix, long offset, int length, SocketSplice out) throws IOException {
        before(Op.READ, offset, length);
        next.spliceTo(prefix, offset, length, out);
    }

    @Override
    public void write(long offset, ByteBuffer src, int flags) throws IOException {
        before(Op.WRITE, offset, src.remaining());
        next.write(offset, src, flags);
    }

    @Override
    public void transferFrom(long offset, int length, PayloadSource source, int flags) throws IOException {
        before(Op.WRITE, offset, length);
        next.transferFrom(offset, length, source, flags);
    }

    @Override
    public void flush() throws IOException {
        before(Op.FLUSH, 0, 0);
        next.flush();
    }

    @Override
    public void trim(long offset, long length, int flags) throws IOException {
        before(Op.TRIM, offset, length);
        next.trim(offset, length, flags);
    }

    @Override
    public void zero(long offset, long length, int flags) throws IOException {
        before(Op.ZERO, offset, length);
        next.zero(offset, length, flags);
    }

    @Override
    public void cache(long offset, long length) throws IOException {
        before(Op.CACHE, offset, length);
        next.cache(offset, length);
    }

    @Override
    public List<Extent> extents(long offset, long length) throws IOException {
        before(Op.EXTENTS, offset, length);
        return next.extents(offset, length);
    }

    @Override
    public void close() throws IOException {
        next.close();
    }
}
