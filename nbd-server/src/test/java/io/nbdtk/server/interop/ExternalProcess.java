package io.nbdtk.server.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child process for interop tests: output to a log file (so a full pipe never blocks it),
 * bounded waits, and killing by its own PID only.
 */
public final class ExternalProcess implements AutoCloseable {
    public final Process process;
    final Path log;
    private final List<String> command;

    private ExternalProcess(Process process, Path log, List<String> command) {
        this.process = process;
        this.log = log;
        this.command = command;
    }

    public static ExternalProcess start(List<String> command, Path log) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ExternalProcess(p, log, command);
    }

    /** Runs a command to completion within {@code timeout}; returns its output, failing on a non-zero exit. */
    public static String run(List<String> command, Path log, Duration timeout) throws Exception {
        try (ExternalProcess p = start(command, log)) {
            int rc = p.waitFor(timeout);
            String out = Files.readString(log);
            if (rc != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + rc + ":\n" + out);
            }
            return out;
        }
    }

    /** Runs a command and returns its exit code (output in the log). */
    public static int exitCode(List<String> command, Path log, Duration timeout) throws Exception {
        try (ExternalProcess p = start(command, log)) {
            return p.waitFor(timeout);
        }
    }

    public int waitFor(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout
                    + "; output:\n" + output());
        }
        return process.exitValue();
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL, and wait until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
