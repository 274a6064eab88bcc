package io.nbdtk.lab.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short external commands (mkfs, losetup, mount) with a hard timeout; never by a shell string. */
public final class Exec {
    /** Exit status and combined output; status -1 means the command timed out and was killed. */
    public record Result(int status, String output) {
        public boolean ok() {
            return status == 0;
        }
    }

    private Exec() {}

    public static Result run(Duration timeout, List<String> command) {
        Path out = null;
        try {
            out = Files.createTempFile("deadlock-lab-exec", ".out");
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
                return new Result(-1, "timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted: " + String.join(" ", command));
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // temp file; nothing else to do
                }
            }
        }
    }

    public static Result run(Duration timeout, String... command) {
        return run(timeout, List.of(command));
    }

    /** Throws with the command's output unless it succeeded. */
    public static String check(Duration timeout, String... command) throws IOException {
        Result r = run(timeout, command);
        if (!r.ok()) {
            throw new IOException(String.join(" ", command) + " failed (" + r.status() + "): " + r.output());
        }
        return r.output();
    }
}
