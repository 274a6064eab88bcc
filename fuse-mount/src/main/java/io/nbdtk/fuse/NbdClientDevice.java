package io.nbdtk.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;

import io.nbdtk.client.NbdClient;
import io.nbdtk.client.NbdCommandException;
import io.nbdtk.protocol.CommandFlags;

/**
 * An export seen through {@link NbdClient} (which pipelines the requests of all FUSE threads and
 * spreads them over its connections). Server errors become the same errno (NBD error values are
 * Linux errno numbers); anything else means the connection is gone.
 */
final class NbdClientDevice implements BlockDevice {
    private final NbdClient client;

    NbdClientDevice(NbdClient client) {
        this.client = client;
    }

    @Override public long size() { return client.size(); }
    @Override public boolean isReadOnly() { return client.info().isReadOnly(); }
    @Override public boolean canFlush() { return client.info().canFlush(); }
    @Override public boolean canTrim() { return client.info().canTrim(); }
    @Override public boolean canZero() { return client.info().canZero(); }

    private interface Call {
        void run() throws IOException;
    }

    private static void call(Call c) throws IOException {
        try {
            c.run();
        } catch (NbdCommandException e) {
            throw new DeviceException(e.error().code(), e.getMessage(), e);
        } catch (IOException e) {
            throw new ConnectionLostException(e.getMessage(), e);
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        call(() -> client.read(offset, dst));
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        call(() -> client.write(offset, src));
    }

    @Override
    public void flush() throws IOException {
        call(client::flush);
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        call(() -> client.trim(offset, length, 0));
    }

    @Override
    public void zero(long offset, long length, boolean mayPunch) throws IOException {
        call(() -> client.zero(offset, length, mayPunch ? 0 : CommandFlags.NO_HOLE));
    }

    @Override
    public void close() {
        client.close();
    }
}
