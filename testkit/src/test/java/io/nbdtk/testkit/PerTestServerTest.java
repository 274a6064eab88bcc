package io.nbdtk.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.client.NbdClient;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An instance-field extension: a fresh server (fresh, empty exports) for every test. */
class PerTestServerTest {
    @RegisterExtension
    NbdServerExtension nbd = new NbdServerExtension().withExport("disk", 64 << 10);

    @RepeatedTest(2)
    void everyTestGetsItsOwnEmptyServer() throws Exception {
        try (NbdClient c = NbdClient.connect(nbd.uri("disk").toString())) {
            assertThat(c.read(0, 4)).containsOnly(0); // the data written by the other repetition is gone
            c.write(0, new byte[] {1, 2, 3, 4});
        }
    }
}
