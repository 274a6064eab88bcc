package io.nbdtk.lab.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.lab.sys.FakeSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Recovery against a fake /proc + /sys: order of actions and the checks that protect others. */
class RecoveryTest {
    static final String CG = "/sys/fs/cgroup/memory/nbdtk-deadlock-lab/run-1-writer";

    /** Records actions; kill makes the process vanish from the fake /proc, as a real exit would. */
    static class FakeHost implements HostActions {
        final Path root;
        final List<String> actions = new ArrayList<>();
        final List<String> limitsAtRemoval = new ArrayList<>();

        FakeHost(Path root) {
            this.root = root;
        }

        @Override
        public Exec.Result mountFusectl() {
            actions.add("mount fusectl");
            return new Exec.Result(0, "");
        }

        @Override
        public Exec.Result unmountLazy(String mountPoint) {
            actions.add("umount -l " + mountPoint);
            try {
                Path mountinfo = root.resolve("proc/self/mountinfo");
                Files.write(mountinfo, Files.readAllLines(mountinfo).stream()
                        .filter(l -> !l.split(" ")[4].equals(mountPoint)).toList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Exec.Result(0, "");
        }

        @Override
        public Exec.Result detachLoop(String device) {
            actions.add("losetup -d " + device);
            deleteTree(root.resolve("sys/class/block/" + device.substring(5) + "/loop"));
            return new Exec.Result(0, "");
        }

        @Override
        public boolean kill(int pid) {
            Path dir = root.resolve("proc/" + pid);
            if (!Files.exists(dir)) {
                return false;
            }
            actions.add("kill " + pid);
            deleteTree(dir);
            return true;
        }

        @Override
        public void pause(Duration d) {
            // time does not matter here
        }

        @Override
        public boolean removeCgroup(Path cgroup) {
            actions.add("rmdir " + cgroup.getFileName());
            try {
                Path limit = cgroup.resolve("memory.limit_in_bytes");
                if (Files.exists(limit)) {
                    limitsAtRemoval.add(Files.readString(limit));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            deleteTree(cgroup);
            return true;
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static FakeSystem stuckRun() {
        return new FakeSystem()
                .mount("47 27 0:41 / /w/run-1/fuse rw,nosuid,nodev,relatime - fuse /dev/fuse rw,user_id=0")
                .mount("48 27 7:0 / /w/run-1/mnt rw,relatime - ext4 /dev/loop0 rw")
                .loop("loop0", "7:0", "/w/run-1/fuse/disk", false)
                .process(101, "nbdkit", List.of("nbdkit"), "/nbdtk-deadlock-lab/run-1-writer")
                .process(102, "nbdfuse", List.of("nbdfuse"), "/nbdtk-deadlock-lab/run-1-writer")
                .process(103, "dd", List.of("dd"), "/nbdtk-deadlock-lab/run-1-writer")
                .file(CG.substring(1) + "/memory.limit_in_bytes", "134217728")
                .file("sys/fs/fuse/connections/41/abort", "")
                .file("w/run-1/backing.img", "");
    }

    static List<Journal.Entry> journal(String... lines) {
        List<Journal.Entry> out = new ArrayList<>();
        for (String l : lines) {
            String[] f = l.split(" ");
            out.add(new Journal.Entry(f[0], List.of(f).subList(1, f.length)));
        }
        return out;
    }

    static final List<Journal.Entry> RUN = journal("owner 99 5", "workdir /w/run-1", "cgroup " + CG,
            "process 101 41146 server", "mount /w/run-1/fuse", "process 102 41146 fuse-daemon", "fuse 41 /w/run-1/fuse",
            "loop /dev/loop0 /w/run-1/fuse/disk", "mount /w/run-1/mnt", "process 103 41146 writer");

    @Test
    void recoversInTheOrderThatBreaksTheDeadlock() throws Exception {
        FakeSystem sys = stuckRun();
        Path root = sys.build();
        FakeHost host = new FakeHost(root);

        Recovery r = new Recovery(root, host);
        r.recover(RUN);

        assertThat(host.limitsAtRemoval).containsExactly("-1");
        assertThat(Files.readString(root.resolve("sys/fs/fuse/connections/41/abort"))).isEqualTo("1");
        assertThat(host.actions).containsExactly("kill 101", "kill 102", "kill 103", "umount -l /w/run-1/mnt",
                "losetup -d /dev/loop0", "umount -l /w/run-1/fuse", "rmdir run-1-writer");
        assertThat(r.steps()).extracting(Recovery.Step::action).startsWith("lift memory limit of /" + CG.substring(1),
                "abort FUSE connection 41 of /w/run-1/fuse");
        assertThat(r.clean()).isTrue();
        assertThat(root.resolve("w/run-1")).doesNotExist();
    }

    @Test
    void cgroupsADaemonCreatedInsideOursAreEmptiedAndRemovedFirst() throws Exception {
        Path root = stuckRun()
                .process(105, "java", List.of("java", "-jar", "nbd-fuse.jar"), "/nbdtk-deadlock-lab/run-1-writer/nbd-fuse-105")
                .build();
        FakeHost host = new FakeHost(root);

        Recovery r = new Recovery(root, host);
        r.recover(RUN);

        assertThat(host.actions).contains("kill 105");
        assertThat(host.actions).containsSubsequence("rmdir nbd-fuse-105", "rmdir run-1-writer");
        assertThat(r.clean()).isTrue();
    }

    @Test
    void aReusedConnectionIdOrPidIsLeftAlone() throws Exception {
        FakeSystem sys = stuckRun()
                // our FUSE mount is gone and id 41 now belongs to another mount elsewhere
                .mount("49 27 0:41 / /elsewhere rw - fuse /dev/fuse rw")
                .process(104, "other", List.of("other"), "/");
        Path root = sys.build();
        // drop our fuse mount from the table
        String mountinfo = Files.readString(root.resolve("proc/self/mountinfo")).replace(
                "47 27 0:41 / /w/run-1/fuse rw,nosuid,nodev,relatime - fuse /dev/fuse rw,user_id=0\n", "");
        Files.writeString(root.resolve("proc/self/mountinfo"), mountinfo);
        FakeHost host = new FakeHost(root);

        new Recovery(root, host).recover(journal("cgroup " + CG, "fuse 41 /w/run-1/fuse", "process 104 999 server"));

        assertThat(Files.readString(root.resolve("sys/fs/fuse/connections/41/abort"))).isEmpty();
        assertThat(host.actions).doesNotContain("kill 104").doesNotContain("umount -l /elsewhere");
    }

    @Test
    void mountsFusectlWhenTheAbortFileIsMissing() throws Exception {
        Path root = stuckRun().build();
        deleteTree(root.resolve("sys/fs/fuse/connections/41"));
        FakeHost host = new FakeHost(root);

        Recovery r = new Recovery(root, host);
        r.recover(journal("fuse 41 /w/run-1/fuse"));

        assertThat(host.actions).startsWith("mount fusectl");
        assertThat(r.clean()).isFalse(); // fusectl did not really appear in the fake, so the abort failed
    }

    @Test
    void secondRecoveryFindsNothingToDo() throws Exception {
        Path root = stuckRun().build();
        FakeHost host = new FakeHost(root);
        new Recovery(root, host).recover(RUN);
        host.actions.clear();

        Recovery again = new Recovery(root, host);
        again.recover(RUN);

        assertThat(host.actions).isEmpty();
        assertThat(again.clean()).isTrue();
    }

    @Test
    void theScratchDirectoryStaysWhileSomethingIsMountedInIt() throws Exception {
        Path root = stuckRun().build();
        FakeHost host = new FakeHost(root) {
            @Override
            public Exec.Result unmountLazy(String mountPoint) {
                actions.add("umount -l " + mountPoint);
                return new Exec.Result(32, "target is busy");
            }
        };

        Recovery r = new Recovery(root, host);
        r.recover(RUN);

        assertThat(root.resolve("w/run-1/backing.img")).exists();
        assertThat(r.clean()).isFalse();
    }
}
