package io.nbdtk.server.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

/**
 * Proves at start-up that the private key belongs to the certificate, by signing a probe with one
 * and verifying it with the other. Without this check a mismatch only shows up as an obscure
 * handshake failure on the first client.
 */
final class KeyPairCheck {
    private KeyPairCheck() {}

    static void requireMatch(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile)
            throws TlsMaterialException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new TlsMaterialException(keyFile + ": unsupported key algorithm " + key.getAlgorithm()
                    + " (use RSA or EC)");
        };
        byte[] probe = "nbdtk key/certificate match".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new TlsMaterialException("the private key in " + keyFile + " does not belong to the certificate in "
                    + certFile + " (" + cert.getSubjectX500Principal() + ")");
        }
    }
}
