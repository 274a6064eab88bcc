package io.nbdtk.client;

import io.nbdtk.protocol.NbdUri;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * X.509 settings for STARTTLS: whom to trust (a PEM CA file, a trust store, or the JDK default),
 * an optional client certificate (PKCS#12, or PEM certificate + unencrypted PKCS#8 PEM key) and
 * whether to check the server's host name. Immutable; {@code withX} returns a changed copy.
 */
public final class TlsOptions {
    private final Path caFile;
    private final Path trustStore;
    private final char[] trustStorePassword;
    private final Path clientPkcs12;
    private final char[] clientPkcs12Password;
    private final Path clientCertPem;
    private final Path clientKeyPem;
    private final String hostname;
    private final boolean verifyPeer;
    private final boolean verifyHostname;

    private TlsOptions(Path caFile, Path trustStore, char[] trustStorePassword, Path clientPkcs12,
            char[] clientPkcs12Password, Path clientCertPem, Path clientKeyPem, String hostname, boolean verifyPeer,
            boolean verifyHostname) {
        this.caFile = caFile;
        this.trustStore = trustStore;
        this.trustStorePassword = trustStorePassword;
        this.clientPkcs12 = clientPkcs12;
        this.clientPkcs12Password = clientPkcs12Password;
        this.clientCertPem = clientCertPem;
        this.clientKeyPem = clientKeyPem;
        this.hostname = hostname;
        this.verifyPeer = verifyPeer;
        this.verifyHostname = verifyHostname;
    }

    /** Trust the JDK's default CAs, no client certificate, host name checked. */
    public static TlsOptions defaults() {
        return new TlsOptions(null, null, null, null, null, null, null, null, true, true);
    }

    /**
     * The directory layout nbdkit and libnbd use ({@code tls-certificates=DIR}): {@code ca-cert.pem},
     * and if present {@code client-cert.pem} + {@code client-key.pem}.
     */
    public static TlsOptions fromDirectory(Path dir) {
        TlsOptions t = defaults().withCaFile(dir.resolve("ca-cert.pem"));
        Path cert = dir.resolve("client-cert.pem");
        Path key = dir.resolve("client-key.pem");
        if (Files.exists(cert) && Files.exists(key)) {
            t = t.withClientPem(cert, key);
        }
        return t;
    }

    /** Settings from an NBD URI's query: tls-certificates, tls-verify-peer, tls-hostname. */
    public static TlsOptions fromUri(NbdUri uri) {
        TlsOptions t = uri.param("tls-certificates").map(d -> fromDirectory(Path.of(d))).orElse(defaults());
        if (uri.param("tls-verify-peer").map(v -> v.equalsIgnoreCase("false") || v.equals("0")).orElse(false)) {
            t = t.withVerifyPeer(false);
        }
        Optional<String> host = uri.param("tls-hostname");
        if (host.isPresent()) {
            t = t.withHostname(host.get());
        }
        return t;
    }

    public TlsOptions withCaFile(Path pem) {
        return new TlsOptions(pem, trustStore, trustStorePassword, clientPkcs12, clientPkcs12Password,
                clientCertPem, clientKeyPem, hostname, verifyPeer, verifyHostname);
    }

    public TlsOptions withTrustStore(Path store, char[] password) {
        return new TlsOptions(caFile, store, password, clientPkcs12, clientPkcs12Password, clientCertPem,
                clientKeyPem, hostname, verifyPeer, verifyHostname);
    }

    public TlsOptions withClientPkcs12(Path p12, char[] password) {
        return new TlsOptions(caFile, trustStore, trustStorePassword, p12, password, clientCertPem, clientKeyPem,
                hostname, verifyPeer, verifyHostname);
    }

    /** Client certificate chain and its unencrypted PKCS#8 key ("BEGIN PRIVATE KEY"), both PEM. */
    public TlsOptions withClientPem(Path certPem, Path keyPem) {
        return new TlsOptions(caFile, trustStore, trustStorePassword, clientPkcs12, clientPkcs12Password, certPem,
                keyPem, hostname, verifyPeer, verifyHostname);
    }

    /** The name expected in the server certificate (default: the host connected to). */
    public TlsOptions withHostname(String name) {
        return new TlsOptions(caFile, trustStore, trustStorePassword, clientPkcs12, clientPkcs12Password,
                clientCertPem, clientKeyPem, name, verifyPeer, verifyHostname);
    }

    /** {@code false} accepts any server certificate (encryption without authentication). */
    public TlsOptions withVerifyPeer(boolean verify) {
        return new TlsOptions(caFile, trustStore, trustStorePassword, clientPkcs12, clientPkcs12Password,
                clientCertPem, clientKeyPem, hostname, verify, verifyHostname);
    }

    public TlsOptions withVerifyHostname(boolean verify) {
        return new TlsOptions(caFile, trustStore, trustStorePassword, clientPkcs12, clientPkcs12Password,
                clientCertPem, clientKeyPem, hostname, verifyPeer, verify);
    }

    public Optional<String> hostname() {
        return Optional.ofNullable(hostname);
    }

    public boolean verifyPeer() {
        return verifyPeer;
    }

    public boolean verifyHostname() {
        return verifyHostname && verifyPeer;
    }

    /** Builds the SSL context; failures name the file that could not be used. */
    public SSLContext sslContext() throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keyManagers(), trustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private TrustManager[] trustManagers() throws IOException, GeneralSecurityException {
        if (!verifyPeer) {
            return new TrustManager[] {new TrustAll()};
        }
        KeyStore ks = null;
        if (caFile != null) {
            ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : readCertificates(caFile)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new IOException("no certificate found in CA file " + caFile);
            }
        } else if (trustStore != null) {
            ks = loadKeyStore(trustStore, trustStorePassword);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf.getTrustManagers();
    }

    private javax.net.ssl.KeyManager[] keyManagers() throws IOException, GeneralSecurityException {
        KeyStore ks;
        char[] password;
        if (clientPkcs12 != null) {
            ks = loadKeyStore(clientPkcs12, clientPkcs12Password);
            password = clientPkcs12Password == null ? new char[0] : clientPkcs12Password;
        } else if (clientCertPem != null) {
            password = new char[0];
            ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            Collection<? extends Certificate> chain = readCertificates(clientCertPem);
            if (chain.isEmpty()) {
                throw new IOException("no certificate found in " + clientCertPem);
            }
            ks.setKeyEntry("client", readPkcs8Key(clientKeyPem), password, chain.toArray(new Certificate[0]));
        } else {
            return null;
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        return kmf.getKeyManagers();
    }

    private static KeyStore loadKeyStore(Path file, char[] password) throws IOException, GeneralSecurityException {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        KeyStore ks = KeyStore.getInstance(name.endsWith(".jks") ? "JKS" : "PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        } catch (IOException e) {
            throw new IOException("cannot read key store " + file + ": " + e.getMessage(), e);
        }
        return ks;
    }

    private static Collection<? extends Certificate> readCertificates(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read certificates from " + pem + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey readPkcs8Key(Path pem) throws IOException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN PRIVATE KEY-----";
        int start = text.indexOf(begin);
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (start < 0 || end < 0) {
            throw new IOException("key file " + pem + " is not an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY);"
                    + " convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY8");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(start + begin.length(), end));
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm: PKCS#8 names it inside, but KeyFactory needs it up front
            }
        }
        throw new IOException("unsupported key algorithm in " + pem);
    }

    /** Used only when the user explicitly turned peer verification off. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
