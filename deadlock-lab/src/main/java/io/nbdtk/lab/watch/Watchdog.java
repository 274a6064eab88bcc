package io.nbdtk.lab.watch;

import io.nbdtk.lab.sys.ProcFs;
import io.nbdtk.lab.sys.ProcessStat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Watches one server or FUSE daemon. A daemon that serves requests moves bytes: its
 * {@code rchar + wchar} grows. An idle daemon does not, but its threads sleep interruptibly. The
 * alert condition is the deadlock's shape: no bytes moved for {@code stallSeconds} while some of
 * its threads have been in uninterruptible sleep (D) the whole time. Memory pressure (PSI) and
 * reclaim in the threads' wait channels are reported as evidence.
 */
public final class Watchdog {
    /** What one look at the daemon found. */
    public record Observation(double seconds, boolean alive, long bytesMoved, List<String> blocked, double psiSome10,
            double psiFull10) {}

    /** An alert: the evidence at the moment the condition first held. */
    public record Alert(double seconds, double stuckSeconds, List<String> blocked, List<String> stacks,
            double psiSome10, double psiFull10, boolean pressureRising, boolean reclaimWait) {
        public String text(int pid) {
            StringBuilder b = new StringBuilder();
            b.append(String.format("ALERT t=%.0fs pid %d: no requests completed for %.0f s, %d thread(s) in D: %s%n",
                    seconds, pid, stuckSeconds, blocked.size(), String.join(", ", blocked)));
            b.append(String.format("  memory pressure some/full avg10 %.2f/%.2f%s; %s%n", psiSome10, psiFull10,
                    pressureRising ? " (rising)" : "", reclaimWait
                            ? "threads wait in memory reclaim: the reclaim-writeback deadlock; abort the FUSE connection "
                                    + "(/sys/fs/fuse/connections/N/abort) to release it"
                            : "no reclaim in the wait channels"));
            for (String s : stacks) {
                b.append("  --- ").append(s.strip().replace("\n", "\n      ")).append('\n');
            }
            return b.toString();
        }
    }

    private final ProcFs proc;
    private final int pid;
    private final double stallSeconds;
    private double lastProgress = Double.NaN;
    private long lastBytes = -1;
    private double blockedSince = Double.NaN;
    private double firstPsiSome = Double.NaN;
    private boolean alerted;

    public Watchdog(Path root, int pid, double stallSeconds) {
        this.proc = new ProcFs(root);
        this.pid = pid;
        this.stallSeconds = stallSeconds;
    }

    public Observation observe(double seconds) {
        Optional<ProcessStat> st = proc.stat(pid);
        boolean alive = st.isPresent() && st.get().state() != 'Z' && st.get().state() != 'X';
        long bytes = 0;
        for (String line : proc.read(proc.dir().resolve(pid + "/io")).orElse("").split("\n")) {
            if (line.startsWith("rchar:") || line.startsWith("wchar:")) {
                bytes += Long.parseLong(line.substring(6).trim());
            }
        }
        List<String> blocked = new ArrayList<>();
        for (int tid : alive ? proc.threads(pid) : List.<Integer>of()) {
            proc.threadStat(pid, tid).filter(t -> t.state() == 'D')
                    .ifPresent(t -> blocked.add(t.comm() + "/" + tid + "@" + proc.wchan(pid, tid)));
        }
        double some = 0;
        double full = 0;
        for (String line : proc.read(proc.dir().resolve("pressure/memory")).orElse("").split("\n")) {
            int at = line.indexOf("avg10=");
            if (at >= 0) {
                double v = Double.parseDouble(line.substring(at + 6).split(" ")[0]);
                if (line.startsWith("some")) {
                    some = v;
                } else if (line.startsWith("full")) {
                    full = v;
                }
            }
        }
        return new Observation(seconds, alive, bytes, blocked, some, full);
    }

    /** Feeds one observation; returns an alert once per stuck episode. */
    public Optional<Alert> update(Observation o) {
        if (Double.isNaN(firstPsiSome)) {
            firstPsiSome = o.psiSome10();
        }
        if (o.bytesMoved() != lastBytes) {
            lastBytes = o.bytesMoved();
            lastProgress = o.seconds();
            alerted = false; // requests complete again: a new episode may alert again
        }
        if (o.blocked().isEmpty()) {
            blockedSince = Double.NaN;
            return Optional.empty();
        }
        if (Double.isNaN(blockedSince)) {
            blockedSince = o.seconds();
        }
        double stuck = Math.min(o.seconds() - lastProgress, o.seconds() - blockedSince);
        if (alerted || stuck < stallSeconds) {
            return Optional.empty();
        }
        alerted = true;
        List<String> stacks = new ArrayList<>();
        boolean reclaim = false;
        for (String b : o.blocked()) {
            int tid = Integer.parseInt(b.substring(b.indexOf('/') + 1, b.indexOf('@')));
            String stack = proc.kernelStack(pid, tid);
            stacks.add(b + "\n" + stack);
            reclaim |= stack.contains("try_charge_memcg") || stack.contains("try_to_free")
                    || stack.contains("shrink_folio_list") || b.contains("reclaim_throttle");
        }
        return Optional.of(new Alert(o.seconds(), stuck, o.blocked(), stacks, o.psiSome10(), o.psiFull10(),
                o.psiSome10() > firstPsiSome, reclaim));
    }
}
