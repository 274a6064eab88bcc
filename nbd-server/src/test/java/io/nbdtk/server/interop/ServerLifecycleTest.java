package io.nbdtk.server.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.nbdtk.client.ClientOptions;
import io.nbdtk.client.NbdClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals on a real server process: SIGHUP re-reads the config file (adds and removes exports,
 * connections to unchanged exports carry on), SIGUSR1 logs statistics, SIGTERM shuts down
 * gracefully and leaves the statistics in the {@code --stats-json} file.
 */
class ServerLifecycleTest {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    ExternalProcess server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private void signal(String name) throws Exception {
        ExternalProcess.run(List.of("kill", "-" + name, Long.toString(server.pid())),
                dir.resolve("kill-" + System.nanoTime() + ".log"), TIMEOUT);
    }

    private NbdClient connect(Path socket, String export) throws Exception {
        return NbdClient.connectUnix(socket, export, ClientOptions.defaults());
    }

    @Test
    void sighupReloadsExportsSigusr1ReportsAndSigtermStopsGracefully() throws Exception {
        Path socket = dir.resolve("nbd.sock");
        Path config = dir.resolve("config");
        Path stats = dir.resolve("stats.json");
        Files.write(dir.resolve("keep.img"), new byte[1 << 20]);
        Files.write(dir.resolve("gone.img"), new byte[1 << 20]);
        String generic = "[generic]\nunixsock = " + socket + "\n";
        String keep = "[keep]\nexportname = " + dir.resolve("keep.img") + "\nflush = true\n";
        Files.writeString(config, generic + keep + "[gone]\nexportname = " + dir.resolve("gone.img") + "\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        server = ExternalProcess.start(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                "io.nbdtk.server.cli.NbdServerCommand", "--config", config.toString(), "--stats-json", stats.toString()),
                dir.resolve("server.log"));
        ExternalProcess s = server;
        await().atMost(TIMEOUT).until(() -> s.output().contains("listening on") || !s.process.isAlive());

        try (NbdClient kept = connect(socket, "keep")) {
            kept.write(0, new byte[] {1, 2, 3, 4});
            try (NbdClient gone = connect(socket, "gone")) {
                assertThat(gone.size()).isEqualTo(1 << 20);
            }

            Files.writeString(config, generic + keep + "[new]\nexportname = " + dir.resolve("new.img")
                    + "\nfilesize = 2097152\n");
            signal("HUP");

            await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(() -> {
                try (NbdClient added = connect(socket, "new")) {
                    assertThat(added.size()).isEqualTo(2 << 20);
                }
            });
            assertThatThrownBy(() -> connect(socket, "gone").close()).isInstanceOf(Exception.class);
            kept.write(4, new byte[] {5, 6});
            kept.flush();
            assertThat(kept.read(0, 6)).containsExactly(1, 2, 3, 4, 5, 6);

            signal("USR1");
            await().atMost(TIMEOUT).until(() -> s.output().contains("stats: export 'keep' write: 2 requests"));
        }

        signal("TERM");
        s.waitFor(TIMEOUT);
        assertThat(s.output()).contains("stopping");
        JsonObject json = JsonParser.parseString(Files.readString(stats)).getAsJsonObject();
        JsonObject write = json.getAsJsonObject("exports").getAsJsonObject("keep").getAsJsonObject("write");
        assertThat(write.get("requests").getAsLong()).isEqualTo(2);
        assertThat(write.get("bytes").getAsLong()).isEqualTo(6);
        assertThat(Files.readAllBytes(dir.resolve("keep.img"))).startsWith(1, 2, 3, 4, 5, 6);
    }
}
