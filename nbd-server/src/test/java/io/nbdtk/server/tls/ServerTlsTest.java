package io.nbdtk.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerTlsTest {
    @TempDir
    static Path dir;

    static TestCertificates pki;
    static TestCertificates foreign;
    static final ExecutorService executor = Executors.newCachedThreadPool();

    @BeforeAll
    static void makeCertificates() throws Exception {
        pki = TestCertificates.create(Files.createDirectory(dir.resolve("pki")));
        foreign = TestCertificates.createForeignClient(Files.createDirectory(dir.resolve("foreign")));
    }

    @AfterAll
    static void stop() {
        executor.shutdownNow();
    }

    /**
     * A STARTTLS-like exchange on one socket: the client sends one plain byte, the server answers
     * one plain byte, then both switch to TLS on the same connection and echo an int.
     */
    private static int roundTrip(ServerTls server, SSLContext client, String... clientProtocols) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Future<Void> served = executor.submit(() -> {
                try (Socket plain = listener.accept()) {
                    plain.setSoTimeout(20_000);
                    int request = plain.getInputStream().read();
                    plain.getOutputStream().write(request + 1);
                    try (SSLSocket tls = server.upgrade(plain)) {
                        DataInputStream in = new DataInputStream(tls.getInputStream());
                        new DataOutputStream(tls.getOutputStream()).writeInt(in.readInt() * 2);
                    }
                }
                return null;
            });
            int answer;
            try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                plain.setSoTimeout(20_000);
                plain.getOutputStream().write(41);
                assertThat(plain.getInputStream().read()).isEqualTo(42);
                try (SSLSocket tls = (SSLSocket) client.getSocketFactory()
                        .createSocket(plain, "localhost", listener.getLocalPort(), true)) {
                    if (clientProtocols.length > 0) {
                        tls.setEnabledProtocols(clientProtocols);
                    }
                    tls.startHandshake();
                    new DataOutputStream(tls.getOutputStream()).writeInt(21);
                    answer = new DataInputStream(tls.getInputStream()).readInt();
                }
                // Closed first: a TLS 1.3 close waits for the peer's close_notify.
                served.get(20, TimeUnit.SECONDS);
                return answer;
            } finally {
                served.cancel(true);
            }
        }
    }

    private static SSLContext anonymousClient() throws Exception {
        return TlsClients.trusting(pki.ca(), null, null);
    }

    private static SSLContext certifiedClient() throws Exception {
        return TlsClients.trusting(pki.ca(), pki.clientCert(), pki.clientKey());
    }

    @Test
    void upgradesAPlainConnectionWithAnRsaPkcs1Key() throws Exception {
        ServerTls tls = ServerTls.fromPem(pki.serverCert(), pki.serverKey(), Optional.empty());

        assertThat(roundTrip(tls, anonymousClient())).isEqualTo(42);
        assertThat(tls.clientAuth()).isEqualTo(ClientAuth.NONE);
    }

    @Test
    void acceptsPkcs8AndEcKeys() throws Exception {
        for (String key : new String[] {"server-key.pkcs8.pem", "ec-server-key.pem", "ec-server-key.pkcs8.pem"}) {
            Path cert = pki.dir.resolve(key.startsWith("ec") ? "ec-server-cert.pem" : "server-cert.pem");
            ServerTls tls = ServerTls.fromPem(cert, pki.dir.resolve(key), Optional.empty());
            assertThat(roundTrip(tls, anonymousClient())).as(key).isEqualTo(42);
        }
    }

    @Test
    void oneFileMayHoldBothKeyAndCertificate() throws Exception {
        Path both = dir.resolve("both.pem");
        Files.writeString(both, Files.readString(pki.serverKey()) + Files.readString(pki.serverCert()));

        assertThat(roundTrip(ServerTls.fromPem(both, both, Optional.empty()), anonymousClient())).isEqualTo(42);
    }

    @Test
    void negotiatesTls12WhenTheClientOffersOnlyThat() throws Exception {
        ServerTls tls = ServerTls.fromPem(pki.serverCert(), pki.serverKey(), Optional.empty());

        assertThat(roundTrip(tls, anonymousClient(), "TLSv1.2")).isEqualTo(42);
    }

    @Test
    void refusesProtocolsOlderThanTls12() throws Exception {
        ServerTls tls = ServerTls.fromPem(pki.serverCert(), pki.serverKey(), Optional.empty());

        assertThat(tls.parameters().getProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(tls.newEngine().getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
    }

    @Test
    void withACaFileAClientCertificateSignedByItIsRequired() throws Exception {
        ServerTls tls = ServerTls.fromPem(pki.serverCert(), pki.serverKey(), Optional.of(pki.ca()));

        assertThat(tls.clientAuth()).isEqualTo(ClientAuth.NEED);
        assertThat(roundTrip(tls, certifiedClient())).isEqualTo(42);
        assertThatThrownBy(() -> roundTrip(tls, anonymousClient())).isInstanceOf(Exception.class);
        SSLContext intruder = TlsClients.trusting(pki.ca(), foreign.clientCert(), foreign.clientKey());
        assertThatThrownBy(() -> roundTrip(tls, intruder)).isInstanceOf(Exception.class);
    }

    @Test
    void wantedClientCertificatesAreOptional() throws Exception {
        ServerTls tls = ServerTls.fromPem(pki.serverCert(), pki.serverKey(), Optional.of(pki.ca()), ClientAuth.WANT);

        assertThat(roundTrip(tls, anonymousClient())).isEqualTo(42);
        assertThat(roundTrip(tls, certifiedClient())).isEqualTo(42);
    }

    @Test
    void clientCertificatesWithoutACaAreAConfigurationError() {
        assertThatThrownBy(() -> ServerTls.fromPem(pki.serverCert(), pki.serverKey(), Optional.empty(), ClientAuth.NEED))
                .isInstanceOf(TlsMaterialException.class).hasMessageContaining("CA");
    }

    @Test
    void aKeyThatDoesNotMatchTheCertificateIsRefusedAtStartUp() {
        assertThatThrownBy(() -> ServerTls.fromPem(pki.serverCert(), pki.clientKey(), Optional.empty()))
                .isInstanceOf(TlsMaterialException.class)
                .hasMessageContaining("client-key.pem").hasMessageContaining("does not belong");
    }

    @Test
    void unusableFilesAreNamedInTheError() throws Exception {
        assertThatThrownBy(() -> ServerTls.fromPem(pki.serverKey(), pki.serverKey(), Optional.empty()))
                .hasMessageContaining("server-key.pem").hasMessageContaining("no PEM CERTIFICATE");
        assertThatThrownBy(() -> ServerTls.fromPem(pki.serverCert(), pki.serverCert(), Optional.empty()))
                .hasMessageContaining("server-cert.pem").hasMessageContaining("private key");
        assertThatThrownBy(() -> ServerTls.fromPem(dir.resolve("nope.pem"), pki.serverKey(), Optional.empty()))
                .hasMessageContaining("nope.pem");
    }

    @Test
    void anEncryptedKeyIsRefusedWithAHint() throws Exception {
        Path encrypted = dir.resolve("encrypted-key.pem");
        Process p = new ProcessBuilder("openssl", "pkcs8", "-topk8", "-in", pki.serverKey().toString(),
                "-out", encrypted.toString(), "-passout", "pass:secret").redirectErrorStream(true).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroyForcibly();
        }

        assertThatThrownBy(() -> ServerTls.fromPem(pki.serverCert(), encrypted, Optional.empty()))
                .hasMessageContaining("encrypted");
    }

    @Test
    void aNonTlsPeerAfterTheUpgradeFailsTheHandshakeInsteadOfHanging() throws Exception {
        ServerTls tls = ServerTls.fromPem(pki.serverCert(), pki.serverKey(), Optional.empty());
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Throwable> failure = CompletableFuture.supplyAsync(() -> {
                try (Socket plain = listener.accept()) {
                    plain.setSoTimeout(20_000);
                    tls.upgrade(plain).close();
                    return null;
                } catch (IOException e) {
                    return e;
                }
            }, executor);
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                client.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes());
                assertThat(failure.get(20, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
            }
        }
    }
}
