package io.nbdtk.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.client.NbdClient;
import io.nbdtk.client.NbdCommandException;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.NbdServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --faults} and {@code --control}: the testkit's fault injection from the command line. */
class FaultOptionsTest {

    @Test
    void faultsFromTheCommandLineAndTheControlChannelReachClients() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        NbdServerCommand cmd = new NbdServerCommand(new PrintStream(err, true, StandardCharsets.UTF_8));
        new CommandLine(cmd).parseArgs("--listen", "127.0.0.1:0", "--export", "d=memory:1M",
                "--faults", "error=EIO,ops=read,nth=2", "--control", "127.0.0.1:0");
        NbdServer server = cmd.start();
        try {
            String uri = "nbd://127.0.0.1:" + server.tcpAddress().getPort() + "/d";
            try (NbdClient c = NbdClient.connect(uri)) {
                c.read(0, 512);
                assertThatThrownBy(() -> c.read(0, 512)).isInstanceOfSatisfying(NbdCommandException.class,
                        e -> assertThat(e.error()).isEqualTo(NbdError.EIO));
            }
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("nbd-server: control channel on 127.0.0.1:");
            URI base = URI.create("http://127.0.0.1:" + cmd.controlServer.port());
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(base.resolve("/faults"))
                    .timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofString("error=ENOSPC,ops=write"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).isEqualTo(204);
            try (NbdClient c = NbdClient.connect(uri)) {
                assertThatThrownBy(() -> c.write(0, new byte[1])).isInstanceOfSatisfying(NbdCommandException.class,
                        e -> assertThat(e.error()).isEqualTo(NbdError.ENOSPC));
            }
            String recording = http.send(HttpRequest.newBuilder(base.resolve("/recording"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(recording).contains("\"error\":\"EIO\"", "\"error\":\"ENOSPC\"");
        } finally {
            cmd.controlServer.close();
            server.close();
        }
    }

    @Test
    void aBadFaultSpecIsReportedInOneLine() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        NbdServerCommand cmd = new NbdServerCommand(new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(NbdServerCommand.commandLine(cmd).execute("--listen", "127.0.0.1:0", "--export", "d=memory:1M",
                "--faults", "error=EBADF")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("nbd-server: bad fault 'error=EBADF'");
    }
}
