package io.nbdtk.lab.run;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Latency probe from outside the memory cgroups: a 4 KiB O_DIRECT read of the FUSE file in a
 * child {@code dd}, at most one at a time. A probe that does not return shows that the FUSE daemon
 * no longer answers, even when the writer is not visibly blocked. It runs in a child process so
 * that a probe stuck in the kernel never blocks the lab's own threads.
 */
final class Probe {
    interface Recorder {
        void started(Process p, String role) throws IOException;
    }

    private static final long INTERVAL_MS = 2000;

    private final Path file;
    private final long blocks;
    private final Recorder recorder;
    private Process pending;
    private long pendingSince;
    private long lastStart = Long.MIN_VALUE / 2;
    private long lastLatencyMs = -1;

    Probe(Path file, long fileBytes, Recorder recorder) {
        this.file = file;
        this.blocks = Math.max(1, fileBytes / 4096);
        this.recorder = recorder;
    }

    void tick(long nowMs) {
        if (pending != null && !pending.isAlive()) {
            lastLatencyMs = nowMs - pendingSince;
            pending = null;
        }
        if (pending == null && nowMs - lastStart >= INTERVAL_MS) {
            lastStart = nowMs;
            try {
                pending = new ProcessBuilder(List.of("dd", "if=" + file, "of=/dev/null", "bs=4096", "count=1",
                        "iflag=direct", "status=none", "skip=" + ThreadLocalRandom.current().nextLong(blocks)))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
                pendingSince = nowMs;
                recorder.started(pending, "probe");
            } catch (IOException e) {
                pending = null;
            }
        }
    }

    /** How long the pending probe has waited, 0 when none is pending. */
    long ageMs(long nowMs) {
        return pending == null ? 0 : nowMs - pendingSince;
    }

    long lastLatencyMs() {
        return lastLatencyMs;
    }
}
