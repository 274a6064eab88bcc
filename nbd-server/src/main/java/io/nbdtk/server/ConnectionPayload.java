package io.nbdtk.server;

import io.nbdtk.server.os.NativeFile;
import io.nbdtk.server.os.SocketSplice;
import io.nbdtk.server.store.PayloadSource;
import io.nbdtk.server.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One WRITE payload as a store receives it from the connection ({@code BlockStore.transferFrom}),
 * keeping count of how far it got: whether the store started to consume it (after which an error
 * cannot be answered by draining it) and whether it consumed all of it (after which the stream is
 * in sync again, whatever the store then says).
 */
final class ConnectionPayload implements PayloadSource {
    private final ChannelInput input;
    private final SocketSplice splice; // null: this connection cannot splice
    private boolean started;
    private boolean consumed;

    ConnectionPayload(ChannelInput input, SocketSplice splice) {
        this.input = input;
        this.splice = splice;
    }

    @Override
    public void readFully(ByteBuffer[] dsts, int count) throws IOException {
        started = true;
        input.readFully(dsts, count);
        consumed = true;
    }

    @Override
    public void spliceTo(NativeFile file, long offset, int length) throws IOException {
        if (splice == null) {
            throw new UnsupportedOperationException("this connection cannot splice");
        }
        started = true;
        try {
            input.spliceTo(splice, file, offset, length);
        } catch (StoreException e) {
            consumed = true; // ChannelInput drains the rest before it reports the file's refusal
            throw e;
        }
        consumed = true;
    }

    @Override
    public void readFullyThroughPipe(ByteBuffer[] dsts, int count) throws IOException {
        if (splice == null) {
            readFully(dsts, count);
            return;
        }
        started = true;
        input.readFullyThroughPipe(splice, dsts, count);
        consumed = true;
    }

    @Override
    public void receiveInto(long address, int length) throws IOException {
        if (splice == null) {
            throw new UnsupportedOperationException("this connection cannot receive into memory");
        }
        started = true;
        input.receiveInto(splice, address, length);
        consumed = true;
    }

    /** Whether any byte of the payload was taken off the connection. */
    boolean started() {
        return started;
    }

    /** Whether the whole payload was taken off the connection. */
    boolean consumed() {
        return consumed;
    }
}
