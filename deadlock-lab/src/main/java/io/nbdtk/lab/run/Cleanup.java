package io.nbdtk.lab.run;

import io.nbdtk.lab.sys.ProcFs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Recovers runs whose lab process died without cleaning up (SIGKILL, power of a watchdog): every
 * journal in the state directory whose owner is no longer running is replayed through
 * {@link Recovery} and removed once nothing it names is left.
 */
public final class Cleanup {
    /** What happened to one journal. */
    public record Outcome(Path journal, List<Recovery.Step> steps, boolean clean) {}

    private final Path root;
    private final HostActions host;

    public Cleanup(Path root, HostActions host) {
        this.root = root;
        this.host = host;
    }

    public List<Outcome> recoverAbandoned(Path stateDir) throws IOException, InterruptedException {
        return recover(stateDir, false);
    }

    /**
     * Replays the journals of {@code stateDir}; with {@code evenIfOwnerAlive} also those of runs
     * whose lab is still running (for a lab that hangs, or a test JVM cleaning up its own runs).
     */
    public List<Outcome> recover(Path stateDir, boolean evenIfOwnerAlive) throws IOException, InterruptedException {
        List<Outcome> out = new ArrayList<>();
        if (!Files.isDirectory(stateDir)) {
            return out;
        }
        List<Path> journals = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(stateDir, "*.journal")) {
            ds.forEach(journals::add);
        }
        journals.sort(null);
        for (Path j : journals) {
            List<Journal.Entry> entries = Journal.read(j);
            if (!evenIfOwnerAlive && ownerAlive(entries)) {
                continue; // a run in progress cleans up after itself
            }
            out.add(replay(j, entries));
        }
        return out;
    }

    public Outcome replay(Path journal, List<Journal.Entry> entries) throws IOException, InterruptedException {
        Recovery r = new Recovery(root, host);
        r.recover(entries);
        if (r.clean()) {
            Files.deleteIfExists(journal);
        }
        return new Outcome(journal, r.steps(), r.clean());
    }

    private boolean ownerAlive(List<Journal.Entry> entries) {
        ProcFs proc = new ProcFs(root);
        return entries.stream().filter(e -> e.kind().equals(Journal.OWNER)).anyMatch(e -> proc
                .stat(Integer.parseInt(e.field(0)))
                .map(s -> s.startTime() == Long.parseLong(e.field(1)) && s.state() != 'Z').orElse(false));
    }
}
