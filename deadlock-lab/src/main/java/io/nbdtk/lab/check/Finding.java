package io.nbdtk.lab.check;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A writable mount whose writeback ends at a userland process on this machine. {@code HIGH}: a
 * block layer (loop, dm, md, nbd) sits between the filesystem and the daemon, the layering that
 * deadlocked here within seconds. {@code MEDIUM}: the FUSE mount is written directly (write-through
 * by default, so only mmap or writeback-cache dirty pages wait on the daemon).
 */
public record Finding(String mountPoint, Severity severity, List<Link> chain, List<Protection> processes) {

    public enum Severity { MEDIUM, HIGH }

    public boolean mitigated() {
        return !processes.isEmpty() && processes.stream().allMatch(Protection::isProtected);
    }

    public String chainText() {
        return chain.stream().map(Link::label).collect(Collectors.joining(" -> "));
    }

    public String advice() {
        if (mitigated()) {
            return "every daemon of the chain is protected; keep writers out of their memory cgroup";
        }
        return "writeback of " + mountPoint + " needs a process on this machine, which may itself wait for "
                + "memory that only that writeback can free. Put the daemons in their own memory cgroup "
                + "(never shared with writers) or start them with PR_SET_IO_FLUSHER; better, access the "
                + "export in-process (libnbd, nbdcopy) instead of a kernel mount on the same host";
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mountPoint", mountPoint);
        m.put("severity", severity.name().toLowerCase());
        m.put("mitigated", mitigated());
        m.put("chain", chain.stream().map(Link::toJson).toList());
        m.put("processes", processes.stream().map(Protection::toJson).toList());
        m.put("advice", advice());
        return m;
    }
}
