package io.nbdtk.lab.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The few actions on the host that recovery cannot do by writing a file; a seam for tests. */
public interface HostActions {
    Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    /** Mounts the FUSE control filesystem, which holds the per-connection abort files. */
    Exec.Result mountFusectl();

    /** {@code umount -l -c}: lazy, and without canonicalizing (no stat on a hung FUSE path). */
    Exec.Result unmountLazy(String mountPoint);

    Exec.Result detachLoop(String device);

    /** SIGKILL; false when the process was already gone. */
    boolean kill(int pid);

    void pause(Duration d) throws InterruptedException;

    /** rmdir of a cgroup directory (cgroupfs allows it with its control files inside). */
    boolean removeCgroup(Path cgroup);

    /** The real machine. */
    HostActions REAL = new HostActions() {
        @Override
        public Exec.Result mountFusectl() {
            return Exec.run(COMMAND_TIMEOUT, "mount", "-t", "fusectl", "none", "/sys/fs/fuse/connections");
        }

        @Override
        public Exec.Result unmountLazy(String mountPoint) {
            return Exec.run(COMMAND_TIMEOUT, "umount", "-l", "-c", mountPoint);
        }

        @Override
        public Exec.Result detachLoop(String device) {
            return Exec.run(COMMAND_TIMEOUT, "losetup", "-d", device);
        }

        @Override
        public boolean kill(int pid) {
            return ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false);
        }

        @Override
        public void pause(Duration d) throws InterruptedException {
            Thread.sleep(d.toMillis());
        }

        @Override
        public boolean removeCgroup(Path cgroup) {
            try {
                Files.deleteIfExists(cgroup);
                return true;
            } catch (IOException e) {
                return false; // EBUSY while processes remain
            }
        }
    };
}
