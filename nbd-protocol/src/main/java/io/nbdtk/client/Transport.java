package io.nbdtk.client;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A connected byte stream to the server: plain socket channel (TCP or Unix) or TLS on top of one.
 * One thread reads while others write (writes are serialised by the caller).
 */
interface Transport extends Closeable {
    /** Fills {@code dst} completely; end of stream is an {@link java.io.EOFException}. */
    void readFully(ByteBuffer dst) throws IOException;

    /** Writes every remaining byte of {@code srcs}, in order. */
    void write(ByteBuffer... srcs) throws IOException;

    /** Upgrades to TLS after the server's STARTTLS ACK (this transport must not be used afterwards). */
    Transport startTls(TlsOptions tls, String peerHost, int peerPort) throws IOException;

    /** Closes immediately, waking a blocked reader. Never throws. */
    @Override
    void close();

    String describe();
}
