package io.nbdtk.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.testing.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway CA with a server certificate for "localhost" and a client certificate, made with
 * openssl in the layout nbdkit and libnbd expect (ca-cert.pem, server-cert.pem, server-key.pem,
 * client-cert.pem, client-key.pem), plus client.p12 (password "secret").
 */
final class TestCertificates {
    private TestCertificates() {}

    static Path create(Path dir) throws Exception {
        Path openssl = Prerequisites.tool("openssl", "openssl");
        Files.createDirectories(dir);
        run(dir, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out",
                "ca-cert.pem", "-days", "2", "-subj", "/CN=nbdtk test CA");
        Files.writeString(dir.resolve("server.ext"),
                "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        for (String who : new String[] {"server", "client"}) {
            run(dir, openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + "-key.pem", "-out",
                    who + ".csr", "-subj", "/CN=" + (who.equals("server") ? "localhost" : "nbdtk-client"));
            run(dir, openssl, "x509", "-req", "-in", who + ".csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem",
                    "-CAcreateserial", "-out", who + "-cert.pem", "-days", "2", "-extfile", who + ".ext");
        }
        run(dir, openssl, "pkcs12", "-export", "-in", "client-cert.pem", "-inkey", "client-key.pem", "-out",
                "client.p12", "-passout", "pass:secret");
        return dir;
    }

    private static void run(Path dir, Path openssl, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(openssl.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("openssl %s finished", args[0]).isTrue();
        assertThat(p.exitValue()).as("openssl %s: %s", List.of(args), Files.readString(dir.resolve("openssl.log")))
                .isZero();
    }
}
