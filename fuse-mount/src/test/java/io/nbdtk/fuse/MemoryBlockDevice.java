package io.nbdtk.fuse;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** An in-memory device for filesystem tests, with switchable capabilities and a failure errno. */
final class MemoryBlockDevice implements BlockDevice {
    private final byte[] data;
    private final boolean readOnly;
    private final boolean canZero;
    private final boolean canTrim;
    volatile int failWith; // 0: healthy; else every request fails with this errno
    volatile int flushes;

    MemoryBlockDevice(int size, boolean readOnly, boolean canZero, boolean canTrim) {
        this.data = new byte[size];
        this.readOnly = readOnly;
        this.canZero = canZero;
        this.canTrim = canTrim;
    }

    MemoryBlockDevice(int size) {
        this(size, false, true, true);
    }

    synchronized byte[] contents() {
        return data.clone();
    }

    @Override public long size() { return data.length; }
    @Override public boolean isReadOnly() { return readOnly; }
    @Override public boolean canFlush() { return true; }
    @Override public boolean canTrim() { return canTrim; }
    @Override public boolean canZero() { return canZero; }

    private void check() throws DeviceException {
        if (failWith != 0) {
            throw new DeviceException(failWith, "injected");
        }
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws DeviceException {
        check();
        dst.put(data, (int) offset, dst.remaining());
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws DeviceException {
        check();
        src.get(data, (int) offset, src.remaining());
    }

    @Override
    public synchronized void flush() throws DeviceException {
        check();
        flushes++;
    }

    @Override
    public synchronized void trim(long offset, long length) throws DeviceException {
        check();
        // a trim may leave anything behind; make that visible instead of quietly zeroing
        Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0x5a);
    }

    @Override
    public synchronized void zero(long offset, long length, boolean mayPunch) throws DeviceException {
        check();
        Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
    }

    @Override
    public void close() {}
}
