package io.nbdtk.testkit;

import static io.nbdtk.server.filter.RequestKind.FLUSH;
import static io.nbdtk.server.filter.RequestKind.READ;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.client.NbdClient;
import io.nbdtk.client.NbdCommandException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** withFaults: faults in force from the start and restored before every test; temporary file exports. */
class InitialFaultsTest {
    @RegisterExtension
    static NbdServerExtension nbd = new NbdServerExtension()
            .withFileExport("tmp", 1 << 20)
            .withFaults(Faults.on(FLUSH).error("EIO"));

    @RepeatedTest(2)
    void theDeclaredFaultsAreBackForEveryTest(FaultControl faults) throws Exception {
        assertThat(faults.rules()).containsExactly(Faults.on(FLUSH).error("EIO"));
        faults.add(Faults.on(READ).error("EPERM")); // gone again before the next repetition
        try (NbdClient c = NbdClient.connect(nbd.uri("tmp").toString())) {
            c.write(0, new byte[] {1});
            assertThatThrownBy(c::flush).isInstanceOf(NbdCommandException.class);
            assertThatThrownBy(() -> c.read(0, 1)).isInstanceOf(NbdCommandException.class);
        }
    }

    @Test
    void aTemporaryFileExportIsAFileOfTheGivenSize(NbdServerExtension ext) throws Exception {
        try (NbdClient c = NbdClient.connect(ext.uri("tmp").toString())) {
            assertThat(c.size()).isEqualTo(1 << 20);
        }
        Path file = ((io.nbdtk.server.ExportSpec.File) ext.server().export("tmp").spec().backend()).path();
        assertThat(Files.size(file)).isEqualTo(1 << 20);
    }
}
