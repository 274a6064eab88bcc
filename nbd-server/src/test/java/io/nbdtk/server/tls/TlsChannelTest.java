package io.nbdtk.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsChannelTest {
    @TempDir
    static Path dir;

    static TestCertificates pki;
    static ServerTls serverTls;
    static final ExecutorService executor = Executors.newCachedThreadPool();

    @BeforeAll
    static void setUp() throws Exception {
        pki = TestCertificates.create(Files.createDirectory(dir.resolve("pki")));
        serverTls = ServerTls.fromPem(pki.serverCert(), pki.serverKey(), Optional.empty());
    }

    @AfterAll
    static void stop() {
        executor.shutdownNow();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void readFully(java.nio.channels.ReadableByteChannel ch, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            if (ch.read(dst) < 0) {
                throw new java.io.EOFException();
            }
        }
    }

    /** Server side over a TCP SocketChannel: reads N bytes, sends them back reversed in chunks. */
    private Future<Void> serveEcho(ServerSocketChannel listener, int n) {
        return executor.submit(() -> {
            try (SocketChannel ch = listener.accept(); TlsChannel tls = new TlsChannel(ch, serverTls.newEngine())) {
                tls.handshake();
                ByteBuffer got = ByteBuffer.allocate(n);
                readFully(tls, got);
                byte[] b = got.array();
                for (int i = 0; i < b.length / 2; i++) {
                    byte t = b[i];
                    b[i] = b[b.length - 1 - i];
                    b[b.length - 1 - i] = t;
                }
                for (int off = 0; off < n; off += 70_000) {
                    tls.write(ByteBuffer.wrap(b, off, Math.min(70_000, n - off)));
                }
            }
            return null;
        });
    }

    private byte[] clientExchange(int port, byte[] data, String... protocols) throws Exception {
        SSLContext client = TlsClients.trusting(pki.ca(), null, null);
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            if (protocols.length > 0) {
                s.setEnabledProtocols(protocols);
            }
            OutputStream out = s.getOutputStream();
            out.write(data);
            out.flush();
            byte[] back = new byte[data.length];
            new DataInputStream(s.getInputStream()).readFully(back);
            return back;
        }
    }

    private static byte[] reversed(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }

    @Test
    void carriesAMegabyteEachWayOverTcpWithTls13AndTls12() throws Exception {
        for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
            try (ServerSocketChannel listener = ServerSocketChannel.open()) {
                listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                int n = 1 << 20;
                Future<Void> served = serveEcho(listener, n);
                byte[] data = random(n, 7);
                int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();

                assertThat(clientExchange(port, data, protocol)).as(protocol).isEqualTo(reversed(data));
                served.get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void worksOverUnixDomainSocketsWhereNoSocketExists() throws Exception {
        Path socket = dir.resolve("tls.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            int n = 300_000;
            Future<Void> served = serveEcho(listener, n);
            byte[] data = random(n, 9);
            SSLEngine clientEngine = TlsClients.trusting(pki.ca(), null, null).createSSLEngine("localhost", 0);
            clientEngine.setUseClientMode(true);
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                    TlsChannel client = new TlsChannel(ch, clientEngine)) {
                client.handshake();
                client.write(ByteBuffer.wrap(data));
                ByteBuffer back = ByteBuffer.allocate(n);
                readFully(client, back);
                assertThat(back.array()).isEqualTo(reversed(data));
            }
            served.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void readsEndOfStreamWhenThePeerClosesCleanly() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Future<Integer> served = executor.submit(() -> {
                try (SocketChannel ch = listener.accept(); TlsChannel tls = new TlsChannel(ch, serverTls.newEngine())) {
                    tls.handshake();
                    ByteBuffer one = ByteBuffer.allocate(1);
                    readFully(tls, one);
                    return tls.read(ByteBuffer.allocate(10));
                }
            });
            SSLContext client = TlsClients.trusting(pki.ca(), null, null);
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
                s.getOutputStream().write(1);
            }
            assertThat(served.get(30, TimeUnit.SECONDS)).isEqualTo(-1);
        }
    }

    @Test
    void aPlainTextPeerFailsTheHandshake() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Future<Void> served = executor.submit(() -> {
                try (SocketChannel ch = listener.accept(); TlsChannel tls = new TlsChannel(ch, serverTls.newEngine())) {
                    tls.handshake();
                }
                return null;
            });
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(),
                    ((InetSocketAddress) listener.getLocalAddress()).getPort())) {
                s.getOutputStream().write("NBDMAGIC plain text, not a ClientHello".getBytes());
                InputStream in = s.getInputStream();
                s.setSoTimeout(20_000);
                in.read(); // alert or EOF
            }
            assertThatThrownBy(() -> served.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
        }
    }

    @Test
    void concurrentWritersEachGetTheirMessageThroughWhole() throws Exception {
        int threads = 8;
        int perThread = 300;
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Future<Void> served = executor.submit(() -> {
                try (SocketChannel ch = listener.accept(); TlsChannel tls = new TlsChannel(ch, serverTls.newEngine())) {
                    tls.handshake();
                    List<Future<?>> writers = new java.util.ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        int id = t;
                        writers.add(executor.submit(() -> {
                            for (int i = 0; i < perThread; i++) {
                                // one message = one write call: [thread, seq, 40000 bytes of 'thread']
                                ByteBuffer m = ByteBuffer.allocate(8 + 40_000);
                                m.putInt(id).putInt(i);
                                while (m.hasRemaining()) {
                                    m.put((byte) id);
                                }
                                m.flip();
                                tls.write(m);
                            }
                            return null;
                        }));
                    }
                    for (Future<?> w : writers) {
                        w.get(60, TimeUnit.SECONDS);
                    }
                    ByteBuffer done = ByteBuffer.allocate(1);
                    readFully(tls, done); // wait for the client to have read everything
                }
                return null;
            });
            SSLContext client = TlsClients.trusting(pki.ca(), null, null);
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(30_000);
                DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
                int[] next = new int[threads];
                byte[] body = new byte[40_000];
                for (int n = 0; n < threads * perThread; n++) {
                    int id = in.readInt();
                    int seq = in.readInt();
                    in.readFully(body);
                    assertThat(seq).as("thread %d order", id).isEqualTo(next[id]++);
                    for (byte b : body) {
                        if (b != (byte) id) {
                            throw new AssertionError("message of thread " + id + " interleaved with another");
                        }
                    }
                }
                s.getOutputStream().write(1);
                s.getOutputStream().flush();
                served.get(60, TimeUnit.SECONDS);
            }
        }
    }
}
