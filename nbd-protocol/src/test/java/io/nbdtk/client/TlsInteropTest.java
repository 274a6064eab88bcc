package io.nbdtk.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.protocol.NbdUri;
import io.nbdtk.testing.Prerequisites;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLHandshakeException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** STARTTLS against {@code nbdkit --tls=require --tls-verify-peer} with certificates made here. */
class TlsInteropTest {
    @TempDir
    static Path certsRoot;
    static Path certs;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create(certsRoot.resolve("pki"));
    }

    private PeerServer nbdkit(String tlsMode, boolean verifyPeer) throws Exception {
        Path nbdkit = Prerequisites.tool("nbdkit", "nbdkit");
        Path sock = dir.resolve("tls.sock");
        List<String> cmd = new ArrayList<>(List.of(nbdkit.toString(), "-f", "--exit-with-parent", "-U",
                sock.toString(), "--tls=" + tlsMode, "--tls-certificates=" + certs));
        if (verifyPeer) {
            cmd.add("--tls-verify-peer");
        }
        cmd.addAll(List.of("memory", "size=8M"));
        return PeerServer.start(sock, cmd);
    }

    private static NbdUri tlsUri(PeerServer s, String hostname) {
        return NbdUri.parse("nbds+unix:///?socket=" + s.socket() + "&tls-certificates=" + certs
                + "&tls-hostname=" + hostname);
    }

    @Test
    void nbdsUriWithCertificateDirectoryAndClientCertificate() throws Exception {
        try (PeerServer s = nbdkit("require", true);
                NbdClient nbd = NbdClient.connect(tlsUri(s, "localhost"), ClientOptions.defaults())) {
            assertThat(nbd.info().tls()).isTrue();
            byte[] data = new byte[256 * 1024];
            new java.util.Random(5).nextBytes(data);
            nbd.write(4096, data);
            assertThat(nbd.read(4096, data.length)).isEqualTo(data);
        }
    }

    @Test
    void clientCertificateFromPkcs12() throws Exception {
        try (PeerServer s = nbdkit("require", true)) {
            TlsOptions tls = TlsOptions.defaults().withCaFile(certs.resolve("ca-cert.pem"))
                    .withClientPkcs12(certs.resolve("client.p12"), "secret".toCharArray()).withHostname("localhost");
            try (NbdClient nbd = NbdClient.connectUnix(s.socket(), "",
                    ClientOptions.defaults().withTls(tls).withRequireTls(true))) {
                nbd.write(0, new byte[] {7});
                assertThat(nbd.read(0, 1)).containsExactly(7);
            }
        }
    }

    /** A trust store of {@code type} holding only the CA in {@code pki}, as keytool -importcert would make it. */
    private static Path trustStoreOf(Path pki, Path file, String type) throws Exception {
        KeyStore ks = KeyStore.getInstance(type);
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pki.resolve("ca-cert.pem"))) {
            ks.setCertificateEntry("nbdtk-test-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, "storepass".toCharArray());
        }
        return file;
    }

    // No CA file is set, so only the trust store can make the server's certificate trusted: if
    // withTrustStore were ignored the JDK's default CAs would reject it.
    @ParameterizedTest
    @ValueSource(strings = {"PKCS12", "JKS"})
    void serverTrustedThroughTrustStore(String type) throws Exception {
        Path store = trustStoreOf(certs, dir.resolve("trust." + (type.equals("JKS") ? "jks" : "p12")), type);
        try (PeerServer s = nbdkit("require", false)) {
            TlsOptions tls = TlsOptions.defaults().withTrustStore(store, "storepass".toCharArray())
                    .withHostname("localhost");
            try (NbdClient nbd = NbdClient.connectUnix(s.socket(), "",
                    ClientOptions.defaults().withTls(tls).withRequireTls(true))) {
                assertThat(nbd.info().tls()).isTrue();
                nbd.write(512, new byte[] {1, 2, 3});
                assertThat(nbd.read(512, 3)).containsExactly(1, 2, 3);
            }
        }
    }

    @Test
    void trustStoreWithoutTheServersCaFailsTheHandshake() throws Exception {
        Path other = TestCertificates.create(dir.resolve("other-pki"));
        Path store = trustStoreOf(other, dir.resolve("other-trust.p12"), "PKCS12");
        try (PeerServer s = nbdkit("require", false)) {
            TlsOptions tls = TlsOptions.defaults().withTrustStore(store, "storepass".toCharArray())
                    .withHostname("localhost");
            assertThatThrownBy(() -> NbdClient.connectUnix(s.socket(), "",
                    ClientOptions.defaults().withTls(tls).withRequireTls(true)))
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("TLS handshake").hasMessageContaining("failed")
                    .hasCauseInstanceOf(SSLHandshakeException.class)
                    // certificate path validation failed (untrusted), not some I/O failure
                    .hasRootCauseInstanceOf(java.security.GeneralSecurityException.class);
        }
    }

    @Test
    void hostnameMismatchIsRejected() throws Exception {
        try (PeerServer s = nbdkit("require", false)) {
            assertThatThrownBy(() -> NbdClient.connect(tlsUri(s, "wrong.example"), ClientOptions.defaults()))
                    .hasMessageContaining("TLS handshake").hasMessageContaining("failed");
        }
    }

    @Test
    void untrustedServerIsRejected() throws Exception {
        Path other = TestCertificates.create(dir.resolve("other-pki"));
        try (PeerServer s = nbdkit("require", false)) {
            TlsOptions tls = TlsOptions.defaults().withCaFile(other.resolve("ca-cert.pem")).withHostname("localhost");
            assertThatThrownBy(() -> NbdClient.connectUnix(s.socket(), "",
                    ClientOptions.defaults().withTls(tls).withRequireTls(true)))
                    .hasMessageContaining("TLS handshake");
        }
    }

    @Test
    void plainClientGetsTlsRequired() throws Exception {
        try (PeerServer s = nbdkit("require", false)) {
            assertThatThrownBy(() -> NbdClient.connectUnix(s.socket(), "", ClientOptions.defaults()))
                    .isInstanceOf(NbdOptionException.class).hasMessageContaining("NBD_REP_ERR_TLS_REQD");
        }
    }

    @Test
    void requireTlsFailsAgainstAServerWithoutTls() throws Exception {
        Path nbdkit = Prerequisites.tool("nbdkit", "nbdkit");
        Path sock = dir.resolve("plain.sock");
        try (PeerServer s = PeerServer.start(sock, List.of(nbdkit.toString(), "-f", "--exit-with-parent", "-U",
                sock.toString(), "--tls=off", "memory", "size=1M"))) {
            assertThatThrownBy(() -> NbdClient.connect(tlsUri(s, "localhost"), ClientOptions.defaults()))
                    .hasMessageContaining("TLS required but server refused NBD_OPT_STARTTLS");
        }
    }

    @Test
    void opportunisticTlsIsUsedWhenOffered() throws Exception {
        try (PeerServer s = nbdkit("on", false)) {
            TlsOptions tls = TlsOptions.fromDirectory(certs).withHostname("localhost");
            try (NbdClient nbd = NbdClient.connectUnix(s.socket(), "", ClientOptions.defaults().withTls(tls))) {
                assertThat(nbd.info().tls()).isTrue();
            }
        }
    }
}
