package io.nbdtk.client;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * A blocking {@link SocketChannel}. Reads go through a small buffer so that many short replies
 * cost one system call; large reads (data bigger than the buffer) land directly in the caller's
 * buffer without a copy.
 */
final class ChannelTransport implements Transport {
    private static final int READ_BUFFER = 64 * 1024;

    private final SocketChannel channel;
    private final String description;
    /** Read mode; only the reader thread touches it (and the handshake before it). */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER).flip();

    private ChannelTransport(SocketChannel channel, String description) {
        this.channel = channel;
        this.description = description;
    }

    static ChannelTransport tcp(String host, int port, Duration connectTimeout) throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IOException("cannot resolve host " + host);
        }
        SocketChannel ch = SocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            return new ChannelTransport(ch, "tcp:" + host + ":" + port);
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    static ChannelTransport unix(String path) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(path));
            return new ChannelTransport(ch, "unix:" + path);
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot connect to Unix socket " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void readFully(ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            if (readBuffer.hasRemaining()) {
                int n = Math.min(readBuffer.remaining(), dst.remaining());
                int limit = readBuffer.limit();
                readBuffer.limit(readBuffer.position() + n);
                dst.put(readBuffer);
                readBuffer.limit(limit);
            } else if (dst.remaining() >= READ_BUFFER) {
                if (channel.read(dst) < 0) {
                    throw eof();
                }
            } else {
                readBuffer.clear();
                int n = channel.read(readBuffer);
                readBuffer.flip();
                if (n < 0) {
                    throw eof();
                }
            }
        }
    }

    private EOFException eof() {
        return new EOFException("server closed the connection (" + description + ")");
    }

    @Override
    public void write(ByteBuffer... srcs) throws IOException {
        long left = 0;
        for (ByteBuffer b : srcs) {
            left += b.remaining();
        }
        while (left > 0) {
            left -= channel.write(srcs);
        }
    }

    @Override
    public Transport startTls(TlsOptions tls, String peerHost, int peerPort) throws IOException {
        if (readBuffer.hasRemaining()) {
            throw new io.nbdtk.protocol.ProtocolException("server sent data before the TLS handshake");
        }
        return TlsTransport.handshake(channel, description, tls, peerHost, peerPort);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing is best effort: the socket is gone either way
        }
    }

    @Override
    public String describe() {
        return description;
    }
}
