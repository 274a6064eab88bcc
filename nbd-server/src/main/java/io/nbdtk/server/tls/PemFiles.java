package io.nbdtk.server.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM files the way GnuTLS-based servers accept them: certificates (a chain, leaf first) and
 * an unencrypted private key in PKCS#1 ({@code RSA PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}) or
 * PKCS#8 ({@code PRIVATE KEY}) form. Other recognised PEM blocks (EC parameters, a certificate
 * in a key file) are skipped, so one file may
 * hold both the key and the certificate (the reference's certfile-falls-back-to-keyfile case).
 */
public final class PemFiles {
    private PemFiles() {}

    public static List<X509Certificate> certificates(Path file) throws TlsMaterialException {
        List<X509Certificate> certs = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object o : objects(file)) {
            if (o instanceof X509CertificateHolder holder) {
                try {
                    certs.add(converter.getCertificate(holder));
                } catch (CertificateException e) {
                    throw new TlsMaterialException(file + ": unusable certificate: " + e.getMessage(), e);
                }
            }
        }
        if (certs.isEmpty()) {
            throw new TlsMaterialException(file + ": no PEM CERTIFICATE block found");
        }
        return certs;
    }

    public static PrivateKey privateKey(Path file) throws TlsMaterialException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        for (Object o : objects(file)) {
            try {
                if (o instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            } catch (IOException e) {
                throw new TlsMaterialException(file + ": unusable private key: " + e.getMessage(), e);
            }
            if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new TlsMaterialException(file + ": the private key is encrypted; a server key must be"
                        + " unencrypted (openssl pkey -in KEY -out KEY.plain)");
            }
        }
        throw new TlsMaterialException(file + ": no PEM private key block (RSA/EC PRIVATE KEY or PRIVATE KEY) found");
    }

    private static List<Object> objects(Path file) throws TlsMaterialException {
        List<Object> objects = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                objects.add(o);
            }
        } catch (IOException e) {
            throw new TlsMaterialException(file + ": cannot read PEM: " + e.getMessage(), e);
        }
        return objects;
    }
}
