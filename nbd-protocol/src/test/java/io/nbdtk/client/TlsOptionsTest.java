package io.nbdtk.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.protocol.NbdUri;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsOptionsTest {
    @TempDir
    Path dir;

    @Test
    void uriParametersMapToOptions() {
        TlsOptions t = TlsOptions.fromUri(NbdUri.parse("nbds://h/?tls-verify-peer=false&tls-hostname=srv"));
        assertThat(t.verifyPeer()).isFalse();
        assertThat(t.verifyHostname()).isFalse();
        assertThat(t.hostname()).contains("srv");
        assertThat(TlsOptions.fromUri(NbdUri.parse("nbds://h/")).verifyHostname()).isTrue();
    }

    @Test
    void missingOrBadFilesAreNamed() throws Exception {
        Path ca = dir.resolve("ca-cert.pem");
        Files.writeString(ca, "not a certificate");
        assertThatThrownBy(() -> TlsOptions.defaults().withCaFile(ca).sslContext())
                .hasMessageContaining("ca-cert.pem");
        Path cert = dir.resolve("client-cert.pem");
        Path key = dir.resolve("client-key.pem");
        Files.writeString(key, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        Files.writeString(cert, "");
        assertThatThrownBy(() -> TlsOptions.defaults().withClientPem(cert, key).sslContext())
                .hasMessageContaining("client-cert.pem");
    }

    @Test
    void pkcs1KeysGetAConversionHint() throws Exception {
        Path certs = TestCertificates.create(dir.resolve("pki"));
        Path key = dir.resolve("rsa.pem");
        Files.writeString(key, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TlsOptions.defaults().withClientPem(certs.resolve("client-cert.pem"), key)
                .sslContext()).hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        assertThat(TlsOptions.fromDirectory(certs).sslContext()).isNotNull();
    }

    @Test
    void pskIsRefusedBeforeConnecting() {
        assertThatThrownBy(() -> NbdClient.connect("nbds://localhost:1/?tls-psk-file=/keys.psk"))
                .isInstanceOf(NbdUnsupportedException.class).hasMessageContaining("pre-shared keys");
    }
}
