package io.nbdtk.testkit;

import static io.nbdtk.server.filter.RequestKind.FLUSH;
import static io.nbdtk.server.filter.RequestKind.READ;
import static io.nbdtk.server.filter.RequestKind.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.client.NbdClient;
import io.nbdtk.server.NbdServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The extension's lifecycle, export variants and parameter injection, used as a user would. */
class NbdServerExtensionTest {
    @TempDir
    static Path dir;

    @RegisterExtension
    static NbdServerExtension nbd = new NbdServerExtension()
            .withExport("disk", 1 << 20)
            .withReadOnlyExport("ro", 1 << 20)
            .withJimfsExport("jim", 256 << 10);

    @Test
    void servesAMemoryExportAndRecordsTheTraffic(Traffic traffic) throws Exception {
        byte[] data = new byte[4096];
        Arrays.fill(data, (byte) 7);
        try (NbdClient c = NbdClient.connect(nbd.uri("disk").toString())) {
            assertThat(c.size()).isEqualTo(1 << 20);
            c.write(8192, data);
            c.flush();
            assertThat(c.read(8192, 4096)).isEqualTo(data);
        }
        NbdAssertions.assertThat(traffic).onlyKinds(WRITE, FLUSH, READ).hasKindsInOrder(WRITE, FLUSH, READ)
                .hasFlushAfterLastWrite().hasReadsAlignedTo(4096).allSucceeded();
        assertThat(traffic.requests().get(0).export()).isEqualTo("disk");
    }

    @Test
    void eachTestStartsWithoutFaultsOrRecording(FaultControl faults, Traffic traffic) {
        assertThat(faults.rules()).isEmpty();
        assertThat(traffic.requests()).isEmpty();
        faults.add(Faults.on(READ).error("EIO")); // must not leak into the next test
    }

    @Test
    void readOnlyExportsRefuseWrites() throws Exception {
        try (NbdClient c = NbdClient.connect(nbd.uri("ro").toString())) {
            assertThat(c.info().isReadOnly()).isTrue();
            assertThat(c.read(0, 512)).containsOnly(0);
        }
    }

    @Test
    void jimfsExportsKeepTheirData() throws Exception {
        try (NbdClient c = NbdClient.connect(nbd.uri("jim").toString())) {
            assertThat(c.size()).isEqualTo(256 << 10);
            c.write(0, new byte[] {1, 2, 3, 4});
            assertThat(c.read(0, 4)).containsExactly(1, 2, 3, 4);
        }
    }

    @Test
    void injectsTheServerAndTheExtension(NbdServer server, NbdServerExtension ext) {
        assertThat(ext).isSameAs(nbd);
        assertThat(server.exports()).containsKeys("disk", "ro", "jim");
        assertThat(nbd.host()).isEqualTo("127.0.0.1");
        assertThat(nbd.uri("disk").toString()).isEqualTo("nbd://127.0.0.1:" + nbd.port() + "/disk");
    }

    @Test
    void fileExportsServeAnExistingFile() throws Exception {
        Path file = Files.write(dir.resolve("disk.img"), new byte[64 << 10]);
        try (NbdServerExtension own = new NbdServerExtension().withFileExport("f", file).start();
                NbdClient c = NbdClient.connect(own.uri("f").toString())) {
            c.write(0, new byte[] {9, 9});
            c.flush();
        }
        assertThat(Files.readAllBytes(file)).startsWith(9, 9);
    }

    @Test
    void unknownExportsAreNamedInTheError() {
        assertThatThrownBy(() -> nbd.uri("nope")).hasMessageContaining("disk");
    }
}
