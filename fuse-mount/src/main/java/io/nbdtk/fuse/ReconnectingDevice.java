package io.nbdtk.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keeps a device usable across server restarts. When a request finds the connection broken it
 * fails with EIO (the kernel and the file's user get an answer, never a hang), a background
 * thread reconnects with exponential backoff, and requests made meanwhile wait at most
 * {@code waitForReconnect} before they fail with EIO too. The export must come back with the same
 * size; one that changed is not reattached (the file's size is fixed for the mount's life).
 */
final class ReconnectingDevice implements BlockDevice {
    /** Opens a fresh connection to the export. */
    interface Connector {
        BlockDevice connect() throws IOException;
    }

    private final Connector connector;
    private final Duration waitForReconnect;
    private final Duration maxBackoff;
    private final long size;
    private final boolean readOnly;
    private final boolean canFlush;
    private final boolean canTrim;
    private final boolean canZero;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private BlockDevice current; // null while reconnecting
    private Thread reconnector;
    private boolean closed;
    private volatile String lastFailure = "";

    ReconnectingDevice(Connector connector, Duration waitForReconnect, Duration maxBackoff) throws IOException {
        this.connector = connector;
        this.waitForReconnect = waitForReconnect;
        this.maxBackoff = maxBackoff;
        BlockDevice first = connector.connect();
        this.current = first;
        this.size = first.size();
        this.readOnly = first.isReadOnly();
        this.canFlush = first.canFlush();
        this.canTrim = first.canTrim();
        this.canZero = first.canZero();
    }

    @Override public long size() { return size; }
    @Override public boolean isReadOnly() { return readOnly; }
    @Override public boolean canFlush() { return canFlush; }
    @Override public boolean canTrim() { return canTrim; }
    @Override public boolean canZero() { return canZero; }

    boolean isConnected() {
        lock.lock();
        try {
            return current != null;
        } finally {
            lock.unlock();
        }
    }

    private interface Op {
        void run(BlockDevice d) throws IOException;
    }

    private void call(Op op) throws IOException {
        BlockDevice d = connection();
        try {
            op.run(d);
        } catch (DeviceException e) {
            throw e; // the server answered: the connection is fine
        } catch (IOException e) {
            broken(d, e);
            throw new DeviceException(Errno.EIO, "connection to the server lost: " + e.getMessage(), e);
        }
    }

    private BlockDevice connection() throws DeviceException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + waitForReconnect.toNanos();
            while (current == null && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new DeviceException(Errno.EIO, "not connected to the server (reconnecting: " + lastFailure + ")");
                }
                changed.awaitNanos(left);
            }
            if (closed) {
                throw new DeviceException(Errno.EIO, "device closed");
            }
            return current;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeviceException(Errno.EIO, "interrupted while waiting for the server");
        } finally {
            lock.unlock();
        }
    }

    private void broken(BlockDevice d, IOException cause) {
        lock.lock();
        try {
            if (current != d || closed) {
                return; // another request noticed first
            }
            current = null;
            lastFailure = String.valueOf(cause.getMessage());
            reconnector = new Thread(this::reconnectLoop, "nbd-fuse-reconnect");
            reconnector.setDaemon(true);
            reconnector.start();
        } finally {
            lock.unlock();
        }
        closeQuietly(d);
    }

    private void reconnectLoop() {
        long backoffMs = 50;
        while (true) {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            try {
                BlockDevice d = connector.connect();
                if (d.size() != size) {
                    closeQuietly(d);
                    throw new IOException("the export's size changed from " + size + " to " + d.size());
                }
                lock.lock();
                try {
                    if (closed) {
                        closeQuietly(d);
                        return;
                    }
                    current = d;
                    changed.signalAll();
                    return;
                } finally {
                    lock.unlock();
                }
            } catch (IOException | RuntimeException e) {
                lastFailure = String.valueOf(e.getMessage());
            }
            lock.lock();
            try {
                if (!closed) {
                    changed.await(backoffMs, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            backoffMs = Math.min(backoffMs * 2, maxBackoff.toMillis());
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int pos = dst.position();
        call(d -> d.read(offset, dst.position(pos)));
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        int pos = src.position();
        call(d -> d.write(offset, src.position(pos)));
    }

    @Override
    public void flush() throws IOException {
        call(BlockDevice::flush);
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        call(d -> d.trim(offset, length));
    }

    @Override
    public void zero(long offset, long length, boolean mayPunch) throws IOException {
        call(d -> d.zero(offset, length, mayPunch));
    }

    @Override
    public void close() {
        BlockDevice d;
        lock.lock();
        try {
            closed = true;
            d = current;
            current = null;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (d != null) {
            closeQuietly(d);
        }
    }

    private static void closeQuietly(BlockDevice d) {
        try {
            d.close();
        } catch (IOException | RuntimeException e) {
            // the connection is being dropped anyway
        }
    }
}
