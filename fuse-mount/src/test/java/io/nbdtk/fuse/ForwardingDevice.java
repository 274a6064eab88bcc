package io.nbdtk.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Delegates to another device after {@link #check()}, which tests override to break the "connection". */
class ForwardingDevice implements BlockDevice {
    private final BlockDevice delegate;

    ForwardingDevice(BlockDevice delegate) {
        this.delegate = delegate;
    }

    protected void check() throws IOException {}

    @Override public long size() { return delegate.size(); }
    @Override public boolean isReadOnly() { return delegate.isReadOnly(); }
    @Override public boolean canFlush() { return delegate.canFlush(); }
    @Override public boolean canTrim() { return delegate.canTrim(); }
    @Override public boolean canZero() { return delegate.canZero(); }
    @Override public void read(long o, ByteBuffer b) throws IOException { check(); delegate.read(o, b); }
    @Override public void write(long o, ByteBuffer b) throws IOException { check(); delegate.write(o, b); }
    @Override public void flush() throws IOException { check(); delegate.flush(); }
    @Override public void trim(long o, long l) throws IOException { check(); delegate.trim(o, l); }
    @Override public void zero(long o, long l, boolean p) throws IOException { check(); delegate.zero(o, l, p); }
    @Override public void close() throws IOException { delegate.close(); }
}
