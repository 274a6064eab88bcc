package io.nbdtk.client;

import static org.awaitility.Awaitility.await;

import io.nbdtk.protocol.NbdUri;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real NBD server (nbdkit, qemu-nbd, nbd-server) run by a test on a Unix socket in a temp dir,
 * killed by PID when closed. Its output goes to a log file next to the socket for diagnosis.
 */
final class PeerServer implements AutoCloseable {
    private final Process process;
    private final Path socket;
    private final Path log;

    private PeerServer(Process process, Path socket, Path log) {
        this.process = process;
        this.socket = socket;
        this.log = log;
    }

    /** Starts {@code command} and waits (bounded) until {@code socket} accepts connections. */
    static PeerServer start(Path socket, List<String> command) throws IOException {
        Path log = socket.resolveSibling(socket.getFileName() + ".log");
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        PeerServer s = new PeerServer(p, socket, log);
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        if (!p.isAlive()) {
                            throw new IllegalStateException(command.get(0) + " exited with " + p.exitValue()
                                    + ": " + Files.readString(log));
                        }
                        return Files.exists(socket);
                    });
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    Path socket() {
        return socket;
    }

    NbdUri uri(String export) {
        return NbdUri.parse("nbd+unix:///" + export + "?socket=" + socket);
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
