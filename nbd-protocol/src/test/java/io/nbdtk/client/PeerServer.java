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
                        return isListening(socket);
                    });
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * Whether a Unix socket at {@code path} is listening, read from /proc/net/unix (flag
     * __SO_ACCEPTCON) without connecting: a probe connection would be served as a client, and
     * nbd-server in foreground mode serves only one. The socket file appears at bind(), before
     * listen(), so its mere existence is not enough.
     */
    static boolean isListening(Path path) throws IOException {
        if (!Files.exists(path)) {
            return false;
        }
        String target = path.toAbsolutePath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 8 && f[7].equals(target) && (Integer.parseInt(f[3], 16) & 0x10000) != 0) {
                return true;
            }
        }
        return false;
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

    /** SIGKILL: the server dies without a word. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }

    /** SIGTERM without waiting: a graceful shutdown in progress. */
    void terminate() {
        process.destroy();
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
