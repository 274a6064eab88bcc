package io.nbdtk.server.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A connected pair of real loopback TCP sockets (a splice needs a kernel socket, not a pipe or a
 * mock): the client side sends and receives, the served side is what the server would splice.
 */
public final class LoopbackPair implements AutoCloseable {
    private final ServerSocketChannel listener;
    private final SocketChannel client;
    private final SocketChannel served;

    public LoopbackPair() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = SocketChannel.open(listener.getLocalAddress());
        served = listener.accept();
    }

    public SocketChannel client() {
        return client;
    }

    public SocketChannel served() {
        return served;
    }

    /** A splice on the served side; the surefire argLine exports sun.nio.ch as the jar's manifest does. */
    public SocketSplice openSplice() {
        SocketSplice.Result r = SocketSplice.open(served);
        assertThat(r.splice()).as(r.status()).isNotNull();
        return r.splice();
    }

    /** Sends {@code parts} in order from another thread, so more than the socket buffers hold can flow. */
    public Thread send(byte[]... parts) {
        Thread t = new Thread(() -> {
            try {
                for (byte[] p : parts) {
                    ByteBuffer b = ByteBuffer.wrap(p);
                    while (b.hasRemaining()) {
                        client.write(b);
                    }
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        t.start();
        return t;
    }

    /** Reads exactly {@code n} bytes on the client side. */
    public byte[] receive(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (client.read(b) < 0) {
                throw new EOFException("after " + b.position() + " bytes");
            }
        }
        return b.array();
    }

    /** A recognisable byte pattern that differs between seeds and between 4 KiB pages. */
    public static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed + (i >>> 12));
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        try (listener; served; client) {
            // all three closed, in reverse order
        }
    }
}
