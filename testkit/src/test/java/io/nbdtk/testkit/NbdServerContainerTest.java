package io.nbdtk.testkit;

import static io.nbdtk.server.filter.RequestKind.READ;
import static io.nbdtk.server.filter.RequestKind.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.client.NbdClient;
import io.nbdtk.client.NbdCommandException;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.filter.RecordedRequest;
import io.nbdtk.testing.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

/**
 * The server in a container, driven by our client and by external clients (nbdinfo, nbdcopy,
 * qemu-img) the way a user's CI would; faults and recordings over the control channel.
 */
class NbdServerContainerTest {
    static NbdServerContainer nbd;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        Prerequisites.require(DockerClientFactory.instance().isDockerAvailable(),
                "a Docker engine (run ci/setup-docker as root)");
        String jar = System.getProperty(ServerImage.JAR_PROPERTY, "");
        Prerequisites.require(jar.isEmpty() || Files.isRegularFile(Path.of(jar)),
                "the server jar " + jar + " (built by mvn package/verify, not by mvn test)");
        nbd = new NbdServerContainer()
                .withExport("disk", 16 << 20)
                .withFileExport("file", 4 << 20)
                .withReadOnlyExport("ro", 1 << 20);
        nbd.start();
    }

    @AfterAll
    static void stop() {
        if (nbd != null) {
            nbd.stop();
        }
    }

    @BeforeEach
    void reset() {
        nbd.faults().clear();
        nbd.traffic().clear();
    }

    @Test
    void nbdinfoSeesEveryExport() throws Exception {
        Path nbdinfo = Prerequisites.tool("nbdinfo", "libnbd-bin");
        String json = run(nbdinfo.toString(), "--json", nbd.getUri("disk").toString());
        assertThat(json).contains("\"export-size\": " + (16 << 20));
        String ro = run(nbdinfo.toString(), "--json", nbd.getUri("ro").toString());
        assertThat(ro).contains("\"is_read_only\": true");
    }

    @Test
    void qemuImgReadsTheFileExport() throws Exception {
        Path qemuImg = Prerequisites.tool("qemu-img", "qemu-utils");
        String info = run(qemuImg.toString(), "info", "--output=json", nbd.getUri("file").toString());
        assertThat(info).contains("\"virtual-size\": " + (4 << 20));
    }

    @Test
    void nbdcopyRoundTripsDataAndTheRecordingShowsIt() throws Exception {
        Path nbdcopy = Prerequisites.tool("nbdcopy", "libnbd-bin");
        byte[] data = new byte[4 << 20];
        new Random(42).nextBytes(data);
        Path in = Files.write(dir.resolve("in.img"), data);
        Path out = dir.resolve("out.img");
        run(nbdcopy.toString(), in.toString(), nbd.getUri("file").toString());
        run(nbdcopy.toString(), nbd.getUri("file").toString(), out.toString());
        assertThat(Files.readAllBytes(out)).isEqualTo(data);
        List<RecordedRequest> seen = nbd.traffic().requests();
        assertThat(seen).anyMatch(r -> r.command() == WRITE && r.export().equals("file"));
        NbdAssertions.assertThat(seen).hasNoRequestLongerThan(64 << 20).hasReadsAlignedTo(512);
    }

    @Test
    void faultsSetOverTheControlChannelReachOurClient() throws Exception {
        nbd.faults().add(Faults.on(READ).nth(2).error("EIO"));
        assertThat(nbd.faults().rules()).hasSize(1);
        try (NbdClient c = NbdClient.connect(nbd.getUri("disk").toString())) {
            c.read(0, 512);
            assertThatThrownBy(() -> c.read(0, 512)).isInstanceOfSatisfying(NbdCommandException.class,
                    e -> assertThat(e.error()).isEqualTo(NbdError.EIO));
        }
        assertThat(nbd.traffic().requests()).filteredOn(r -> r.command() == READ)
                .extracting(RecordedRequest::error).containsExactly(null, "EIO");
    }

    @Test
    void externalClientsSeeInjectedErrors() throws Exception {
        Path nbdcopy = Prerequisites.tool("nbdcopy", "libnbd-bin");
        try (NbdClient c = NbdClient.connect(nbd.getUri("disk").toString())) {
            byte[] ones = new byte[1 << 20];
            java.util.Arrays.fill(ones, (byte) 1);
            c.write(0, ones); // data, not a hole: nbdcopy skips holes without reading them
        }
        nbd.faults().add(Faults.on(READ).error("EIO"));
        Process p = new ProcessBuilder(nbdcopy.toString(), nbd.getUri("disk").toString(),
                dir.resolve("x.img").toString()).redirectErrorStream(true).start();
        String output = finish(p);
        assertThat(p.exitValue()).as(output).isNotZero();
        assertThat(output).containsIgnoringCase("input/output error");
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = finish(p);
        assertThat(p.exitValue()).as(String.join(" ", cmd) + " printed:\n" + output).isZero();
        return output;
    }

    private static String finish(Process p) throws IOException, InterruptedException {
        List<String> lines = new ArrayList<>();
        try {
            byte[] all = p.getInputStream().readAllBytes();
            lines.add(new String(all, StandardCharsets.UTF_8));
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("process did not finish in 60 s");
            }
            return String.join("", lines);
        } finally {
            p.destroyForcibly();
        }
    }
}
