package io.nbdtk.lab.run;

import io.nbdtk.lab.sys.ProcFs;
import io.nbdtk.lab.sys.ProcessStat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the evidence of one experiment: writer progress, memory cgroup and global page-cache
 * figures, memory pressure (PSI) and the threads in D state of the lab's processes and of the
 * kernel's writeback workers. Never touches the FUSE or loop mount itself.
 */
public final class Sampler {
    private final ProcFs proc;
    private final MemoryCgroups cgroups;
    private final Path writerCgroup;

    public Sampler(Path root, MemoryCgroups cgroups, Path writerCgroup) {
        this.proc = new ProcFs(root);
        this.cgroups = cgroups;
        this.writerCgroup = writerCgroup;
    }

    public Sample sample(double seconds, int writerPid, Collection<Integer> watched, long probeAgeMs, long lastProbeMs) {
        long written = writerBytes(writerPid);
        long dirty = 0;
        long writeback = 0;
        for (String line : proc.read(proc.dir().resolve("meminfo")).orElse("").split("\n")) {
            if (line.startsWith("Dirty:")) {
                dirty = kb(line) << 10;
            } else if (line.startsWith("Writeback:")) {
                writeback = kb(line) << 10;
            }
        }
        double[] psi = psi(proc.read(proc.dir().resolve("pressure/memory")).orElse(""));
        return new Sample(seconds, written, cgroups.stats(writerCgroup), dirty, writeback, psi[0], psi[1],
                blocked(watched), probeAgeMs, lastProbeMs);
    }

    /** Bytes the writer has written so far ({@code wchar}), or -1 when it is gone or a zombie. */
    public long writerBytes(int pid) {
        Optional<ProcessStat> st = proc.stat(pid);
        if (st.isEmpty() || st.get().state() == 'Z' || st.get().state() == 'X') {
            return -1;
        }
        for (String line : proc.read(proc.dir().resolve(pid + "/io")).orElse("").split("\n")) {
            if (line.startsWith("wchar:")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        return -1;
    }

    /** D-state threads of the watched processes, plus kernel flush and journal threads in D. */
    public List<Sample.BlockedThread> blocked(Collection<Integer> watched) {
        Set<Integer> pids = new LinkedHashSet<>(watched);
        List<Sample.BlockedThread> out = new ArrayList<>();
        for (int pid : proc.pids()) {
            boolean ours = pids.contains(pid);
            for (int tid : ours ? proc.threads(pid) : List.of(pid)) {
                Optional<ProcessStat> st = proc.threadStat(pid, tid);
                if (st.isEmpty() || st.get().state() != 'D') {
                    continue;
                }
                String comm = st.get().comm();
                if (ours || comm.contains("flush-") || comm.startsWith("jbd2/") || comm.startsWith("loop")) {
                    out.add(new Sample.BlockedThread(pid, tid, comm, proc.wchan(pid, tid)));
                }
            }
        }
        return out;
    }

    public String kernelStack(Sample.BlockedThread t) {
        return proc.kernelStack(t.pid(), t.tid());
    }

    /** some/full avg10 from /proc/pressure/memory. */
    static double[] psi(String text) {
        double[] out = new double[2];
        for (String line : text.split("\n")) {
            int at = line.indexOf("avg10=");
            if (at < 0) {
                continue;
            }
            double v = Double.parseDouble(line.substring(at + 6).split(" ")[0]);
            if (line.startsWith("some")) {
                out[0] = v;
            } else if (line.startsWith("full")) {
                out[1] = v;
            }
        }
        return out;
    }

    private static long kb(String meminfoLine) {
        return Long.parseLong(meminfoLine.replaceAll("[^0-9]", ""));
    }
}
