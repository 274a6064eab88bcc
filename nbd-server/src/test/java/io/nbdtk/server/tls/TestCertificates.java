package io.nbdtk.server.tls;

import io.nbdtk.testing.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test PKI made with the real {@code openssl} CLI, laid out the way libnbd ({@code
 * tls-certificates=DIR}), nbdkit and qemu ({@code tls-creds-x509,dir=DIR}) expect: {@code
 * ca-cert.pem}, {@code server-cert.pem}, {@code server-key.pem}, {@code client-cert.pem}, {@code
 * client-key.pem}. The server certificate names localhost, 127.0.0.1 and ::1. Extra keys in other
 * encodings ({@code server-key.pkcs8.pem}, EC) exercise the PEM reader.
 */
public final class TestCertificates {
    public final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    public Path ca() {
        return dir.resolve("ca-cert.pem");
    }

    public Path serverCert() {
        return dir.resolve("server-cert.pem");
    }

    public Path serverKey() {
        return dir.resolve("server-key.pem");
    }

    public Path clientCert() {
        return dir.resolve("client-cert.pem");
    }

    public Path clientKey() {
        return dir.resolve("client-key.pem");
    }

    /** RSA CA, RSA server (PKCS#1 key, plus a PKCS#8 copy), RSA client, EC server (SEC1 + PKCS#8). */
    public static TestCertificates create(Path dir) throws Exception {
        Prerequisites.tool("openssl", "openssl");
        TestCertificates c = new TestCertificates(dir);
        Files.writeString(dir.resolve("server.ext"), "basicConstraints=CA:FALSE\n"
                + "keyUsage=critical,digitalSignature,keyEncipherment\n"
                + "extendedKeyUsage=serverAuth\n"
                + "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n");
        Files.writeString(dir.resolve("client.ext"), "basicConstraints=CA:FALSE\n"
                + "keyUsage=critical,digitalSignature,keyEncipherment\n"
                + "extendedKeyUsage=clientAuth\n");
        c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca-cert.pem",
                "-days", "3", "-subj", "/CN=nbdtk test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        c.openssl("genrsa", "-traditional", "-out", "server-key.pem", "2048");
        c.sign("server-key.pem", "server", "/CN=localhost", "server.ext");
        c.openssl("pkcs8", "-topk8", "-nocrypt", "-in", "server-key.pem", "-out", "server-key.pkcs8.pem");
        c.openssl("genrsa", "-out", "client-key.pem", "2048");
        c.sign("client-key.pem", "client", "/CN=nbdtk test client", "client.ext");
        c.openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "ec-server-key.pem");
        c.sign("ec-server-key.pem", "ec-server", "/CN=localhost", "server.ext");
        c.openssl("pkcs8", "-topk8", "-nocrypt", "-in", "ec-server-key.pem", "-out", "ec-server-key.pkcs8.pem");
        return c;
    }

    /** A second, unrelated CA with a client certificate it signed (a client the server must refuse). */
    public static TestCertificates createForeignClient(Path dir) throws Exception {
        TestCertificates c = new TestCertificates(dir);
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca-cert.pem",
                "-days", "3", "-subj", "/CN=foreign CA", "-addext", "basicConstraints=critical,CA:TRUE");
        c.openssl("genrsa", "-out", "client-key.pem", "2048");
        c.sign("client-key.pem", "client", "/CN=intruder", "client.ext");
        return c;
    }

    private void sign(String key, String name, String subject, String ext) throws Exception {
        openssl("req", "-new", "-key", key, "-subj", subject, "-out", name + ".csr");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem",
                "-CAcreateserial", "-days", "3", "-extfile", ext, "-out", name + "-cert.pem");
    }

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("openssl " + String.join(" ", args) + " failed: "
                        + Files.readString(dir.resolve("openssl.log")));
            }
        } finally {
            p.destroyForcibly();
        }
    }
}
