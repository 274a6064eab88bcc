package io.nbdtk.lab.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One observation of a running experiment, taken from /proc and /sys only. {@code writerBytes}
 * is the writer's {@code wchar} (-1 once it has exited); {@code probeAgeMs} is how long the
 * current direct-I/O probe read of the FUSE file has been waiting (0 when none is pending).
 */
public record Sample(double seconds, long writerBytes, MemoryCgroups.Stats writerCgroup, long dirtyBytes,
        long writebackBytes, double psiSome10, double psiFull10, List<BlockedThread> blocked, long probeAgeMs,
        long lastProbeMs) {

    /** A thread in uninterruptible sleep (state D) and where it sleeps. */
    public record BlockedThread(int pid, int tid, String comm, String wchan) {
        @Override
        public String toString() {
            return comm + "/" + tid + "@" + wchan;
        }
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("t", Math.round(seconds * 10) / 10.0);
        m.put("writerMiB", writerBytes < 0 ? null : writerBytes >> 20);
        m.put("cgroupUsageMiB", writerCgroup.usageBytes() >> 20);
        m.put("cgroupDirtyMiB", writerCgroup.dirtyBytes() >> 20);
        m.put("cgroupWritebackMiB", writerCgroup.writebackBytes() >> 20);
        m.put("cgroupLimitHits", writerCgroup.limitHits());
        m.put("dirtyMiB", dirtyBytes >> 20);
        m.put("writebackMiB", writebackBytes >> 20);
        m.put("psiSome10", psiSome10);
        m.put("psiFull10", psiFull10);
        m.put("blocked", blocked.stream().map(BlockedThread::toString).toList());
        m.put("probeAgeMs", probeAgeMs);
        m.put("lastProbeMs", lastProbeMs);
        return m;
    }
}
