package io.nbdtk.lab.check;

import io.nbdtk.lab.sys.MemoryCgroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What shields one daemon process of a chain from reclaim that waits on its own writeback.
 * {@code cgroupIsolated}: its memory cgroup is the root or holds only processes of the chain, so a
 * writer's memcg limit cannot make the daemon wait on the writer's writeback (the measured fix).
 * {@code ioFlusherThreads}: threads with PR_SET_IO_FLUSHER (PF_MEMALLOC_NOIO|PF_LOCAL_THROTTLE).
 * {@code lockedKb}: VmLck, non-zero after mlockall (helps with faults, does not break the cycle).
 */
public record Protection(int pid, String comm, String role, Optional<MemoryCgroup> memcg, boolean cgroupIsolated,
        int ioFlusherThreads, int threads, long lockedKb) {

    public boolean ioFlusher() {
        return threads > 0 && ioFlusherThreads == threads;
    }

    /** Protected when the cycle is broken: an isolated memcg or IO_FLUSHER on every thread. */
    public boolean isProtected() {
        return cgroupIsolated || ioFlusher();
    }

    public List<String> measures() {
        List<String> out = new ArrayList<>();
        if (cgroupIsolated) {
            out.add("own memory cgroup");
        }
        if (ioFlusher()) {
            out.add("PR_SET_IO_FLUSHER");
        } else if (ioFlusherThreads > 0) {
            out.add("PR_SET_IO_FLUSHER on " + ioFlusherThreads + "/" + threads + " threads only");
        }
        if (lockedKb > 0) {
            out.add("mlock (" + lockedKb + " kB locked)");
        }
        return out;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", pid);
        m.put("comm", comm);
        m.put("role", role);
        m.put("memoryCgroup", memcg.map(c -> {
            Map<String, Object> cg = new LinkedHashMap<>();
            cg.put("version", c.version());
            cg.put("path", c.path());
            cg.put("limitBytes", c.limitBytes());
            cg.put("protectedBytes", c.protectedBytes());
            cg.put("processes", c.procs().size());
            return cg;
        }).orElse(null));
        m.put("cgroupIsolated", cgroupIsolated);
        m.put("ioFlusherThreads", ioFlusherThreads);
        m.put("threads", threads);
        m.put("lockedKb", lockedKb);
        m.put("protected", isProtected());
        return m;
    }
}
