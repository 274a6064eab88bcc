package io.nbdtk.server.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.NbdServer;
import io.nbdtk.server.config.DropInSetup;
import io.nbdtk.server.tls.TestCertificates;
import io.nbdtk.server.tls.TlsMode;
import io.nbdtk.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STARTTLS with real clients: libnbd's nbdinfo/nbdcopy ({@code nbds://}) and qemu-img (tls-creds-x509). */
class TlsInteropTest {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    static TestCertificates pki;
    /** Only the CA: a client without a certificate of its own. */
    static Path caOnly;

    NbdServer server;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestCertificates.create(Files.createDirectory(dir.resolve("pki")));
        caOnly = Files.createDirectory(dir.resolve("ca-only"));
        Files.copy(pki.ca(), caOnly.resolve("ca-cert.pem"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private int start(TlsMode mode, boolean clientCertificates) throws Exception {
        DropInSetup setup = DropInSetup.create(Optional.empty(), mode, Optional.of(pki.serverCert()),
                Optional.of(pki.serverKey()), clientCertificates ? Optional.of(pki.ca()) : Optional.empty());
        server = NbdServer.builder()
                .export(ExportSpec.of("disk", new ExportSpec.Memory(4 << 20)))
                .policy(setup.policy())
                .listenLoopback()
                .start();
        return server.tcpAddress().getPort();
    }

    private static String nbds(int port, Path certificates) {
        return "nbds://localhost:" + port + "/disk?tls-certificates=" + certificates;
    }

    private Path log(String name) {
        return dir.resolve(name + "-" + System.nanoTime() + ".log");
    }

    @Test
    void nbdinfoAndNbdcopyWorkOverTlsOnAForcedTlsServer() throws Exception {
        Path nbdinfo = Prerequisites.tool("nbdinfo", "libnbd-bin");
        Path nbdcopy = Prerequisites.tool("nbdcopy", "libnbd-bin");
        int port = start(TlsMode.REQUIRED, false);

        String json = ExternalProcess.run(List.of(nbdinfo.toString(), "--json", nbds(port, pki.dir)), log("info"), TIMEOUT);
        assertThat(json).contains("\"TLS\": true").contains("\"export-size\": 4194304");

        byte[] data = new byte[4 << 20];
        new Random(5).nextBytes(data);
        Path in = dir.resolve("in.img");
        Path out = dir.resolve("out.img");
        Files.write(in, data);
        ExternalProcess.run(List.of(nbdcopy.toString(), in.toString(), nbds(port, pki.dir)), log("copy-in"), TIMEOUT);
        ExternalProcess.run(List.of(nbdcopy.toString(), nbds(port, pki.dir), out.toString()), log("copy-out"), TIMEOUT);
        assertThat(Files.readAllBytes(out)).isEqualTo(data);
    }

    @Test
    void aPlainClientCannotUseAForcedTlsServer() throws Exception {
        Path nbdinfo = Prerequisites.tool("nbdinfo", "libnbd-bin");
        int port = start(TlsMode.REQUIRED, false);

        int rc = ExternalProcess.exitCode(List.of(nbdinfo.toString(), "nbd://localhost:" + port + "/disk"),
                log("plain"), TIMEOUT);

        assertThat(rc).isNotZero();
    }

    @Test
    void qemuImgConnectsWithTlsCredsX509() throws Exception {
        Path qemuImg = Prerequisites.tool("qemu-img", "qemu-utils");
        int port = start(TlsMode.REQUIRED, false);

        String out = ExternalProcess.run(List.of(qemuImg.toString(), "info",
                "--object", "tls-creds-x509,id=tls0,dir=" + pki.dir + ",endpoint=client",
                "--image-opts", "driver=nbd,server.type=inet,server.host=localhost,server.port=" + port
                        + ",export=disk,tls-creds=tls0"), log("qemu"), TIMEOUT);

        assertThat(out).contains("virtual size: 4 MiB");
    }

    @Test
    void withACaOnlyClientsWithACertificateItSignedGetIn() throws Exception {
        Path nbdinfo = Prerequisites.tool("nbdinfo", "libnbd-bin");
        int port = start(TlsMode.REQUIRED, true);

        String json = ExternalProcess.run(List.of(nbdinfo.toString(), "--json", nbds(port, pki.dir)), log("cert"), TIMEOUT);
        assertThat(json).contains("\"TLS\": true");

        int rc = ExternalProcess.exitCode(List.of(nbdinfo.toString(), nbds(port, caOnly)), log("nocert"), TIMEOUT);
        assertThat(rc).isNotZero();
    }

    @Test
    void optionalTlsServesPlainAndTlsClients() throws Exception {
        Path nbdinfo = Prerequisites.tool("nbdinfo", "libnbd-bin");
        int port = start(TlsMode.OPTIONAL, false);

        assertThat(ExternalProcess.run(List.of(nbdinfo.toString(), "--json", "nbd://localhost:" + port + "/disk"),
                log("plain"), TIMEOUT)).contains("\"TLS\": false");
        assertThat(ExternalProcess.run(List.of(nbdinfo.toString(), "--json", nbds(port, pki.dir)),
                log("tls"), TIMEOUT)).contains("\"TLS\": true");
    }

    @Test
    void tlsWorksOverUnixSocketsToo() throws Exception {
        Path nbdinfo = Prerequisites.tool("nbdinfo", "libnbd-bin");
        Path socket = dir.resolve("tls-" + System.nanoTime() + ".sock");
        DropInSetup setup = DropInSetup.create(Optional.empty(), TlsMode.REQUIRED, Optional.of(pki.serverCert()),
                Optional.of(pki.serverKey()), Optional.empty());
        server = NbdServer.builder()
                .export(ExportSpec.of("disk", new ExportSpec.Memory(1 << 20)))
                .policy(setup.policy())
                .unix(socket)
                .start();

        String json = ExternalProcess.run(List.of(nbdinfo.toString(), "--json",
                "nbds+unix:///disk?socket=" + socket + "&tls-certificates=" + pki.dir), log("unix"), TIMEOUT);

        assertThat(json).contains("\"TLS\": true").contains("\"export-size\": 1048576");
    }
}
