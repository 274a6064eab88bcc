package io.nbdtk.fuse;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.nbdtk.testing.Prerequisites;

/** An nbdkit on a private Unix socket, started and killed by the test (by PID, bounded). */
final class Nbdkit implements AutoCloseable {
    private final Path socket;
    private final List<String> args;
    private Process process;

    Nbdkit(Path socket, String... pluginAndArgs) {
        this.socket = socket;
        this.args = List.of(pluginAndArgs);
    }

    Nbdkit start() throws IOException {
        Path nbdkit = Prerequisites.tool("nbdkit", "nbdkit");
        Files.deleteIfExists(socket);
        List<String> cmd = new ArrayList<>(List.of(nbdkit.toString(), "-f", "--exit-with-parent", "-U", socket.toString()));
        cmd.addAll(args);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(socket) || !process.isAlive());
        if (!process.isAlive()) {
            throw new IOException("nbdkit exited at once: " + cmd);
        }
        return this;
    }

    String uri() {
        return "nbd+unix:///?socket=" + socket;
    }

    /** Sends a signal (STOP, CONT) to the server process. */
    void signal(String name) throws IOException {
        Exec.Result r = Exec.run(List.of("kill", "-" + name, Long.toString(process.pid())), Duration.ofSeconds(10));
        if (!r.ok()) {
            throw new IOException("kill -" + name + ": " + r.output());
        }
    }

    /** SIGKILL: the server vanishes without a word, as in a crash. */
    void kill() throws InterruptedException, IOException {
        if (process != null && process.isAlive()) {
            signal("CONT"); // a stopped process does not die until continued
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException, IOException {
        kill();
    }
}
