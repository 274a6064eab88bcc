package io.nbdtk.server.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The server's TLS identity: an {@link SSLContext} built from PEM files, limited to TLS 1.2 and
 * 1.3 (the NBD spec requires at least 1.2). With a CA file, clients must present a certificate
 * that chains to it (as nbd-server's {@code cacertfile}); without one, no client certificate is
 * asked for.
 */
public final class ServerTls {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SSLContext context;
    private final ClientAuth clientAuth;

    private ServerTls(SSLContext context, ClientAuth clientAuth) {
        this.context = context;
        this.clientAuth = clientAuth;
    }

    /** As {@link #fromPem(Path, Path, Optional, ClientAuth)}, requiring client certificates iff a CA is given. */
    public static ServerTls fromPem(Path certFile, Path keyFile, Optional<Path> caFile) throws TlsMaterialException {
        return fromPem(certFile, keyFile, caFile, caFile.isPresent() ? ClientAuth.NEED : ClientAuth.NONE);
    }

    /**
     * @param certFile PEM certificate chain, leaf first (may be the same file as the key)
     * @param keyFile PEM private key, unencrypted
     * @param caFile PEM CA certificates that client certificates must chain to, if any
     * @param clientAuth whether to ask for client certificates ({@link ClientAuth#NONE} without a CA)
     */
    public static ServerTls fromPem(Path certFile, Path keyFile, Optional<Path> caFile, ClientAuth clientAuth)
            throws TlsMaterialException {
        if (clientAuth != ClientAuth.NONE && caFile.isEmpty()) {
            throw new TlsMaterialException("client certificates (" + clientAuth + ") need a CA file to check them");
        }
        List<X509Certificate> chain = PemFiles.certificates(certFile);
        PrivateKey key = PemFiles.privateKey(keyFile);
        KeyPairCheck.requireMatch(chain.get(0), key, certFile, keyFile);
        try {
            char[] password = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("server", key, password, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);

            TrustManagerFactory tmf = null;
            if (caFile.isPresent()) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (X509Certificate ca : PemFiles.certificates(caFile.get())) {
                    trust.setCertificateEntry("ca" + i++, ca);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return new ServerTls(context, clientAuth);
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            throw new TlsMaterialException("cannot use " + certFile + " with " + keyFile + ": " + e.getMessage(), e);
        }
    }

    public SSLContext context() {
        return context;
    }

    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /** Server-side parameters: TLS 1.2+, client certificates as configured. */
    public SSLParameters parameters() {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(PROTOCOLS);
        if (clientAuth == ClientAuth.NEED) {
            p.setNeedClientAuth(true);
        } else if (clientAuth == ClientAuth.WANT) {
            p.setWantClientAuth(true);
        }
        return p;
    }

    /** An engine for channel-based connections (e.g. Unix sockets, where no {@link Socket} exists). */
    public SSLEngine newEngine() {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setSSLParameters(parameters());
        return engine;
    }

    /**
     * STARTTLS on a connected TCP socket: layers TLS over it (closing the TLS socket closes the
     * plain one) and runs the handshake; bytes already buffered by the caller must be none, which
     * holds because the client waits for our ACK before it starts the handshake.
     */
    public SSLSocket upgrade(Socket plain) throws IOException {
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(
                plain, plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        tls.setUseClientMode(false);
        tls.setSSLParameters(parameters());
        tls.startHandshake();
        return tls;
    }
}
