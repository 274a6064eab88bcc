package io.nbdtk.lab.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nbdtk.lab.run.Cleanup;
import io.nbdtk.lab.run.Exec;
import io.nbdtk.lab.run.HostActions;
import io.nbdtk.lab.run.Journal;
import io.nbdtk.lab.run.LabHost;
import io.nbdtk.lab.run.MemoryCgroups;
import io.nbdtk.lab.sys.MountTable;
import io.nbdtk.lab.sys.ProcFs;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code check} on a real hazard built from third-party tools: ext4 on a loop device whose
 * backing file is an nbdfuse file served by nbdkit over a Unix socket. The stack is journaled and
 * torn down by the lab's own recovery.
 */
class CheckIntegrationTest {
    static final Duration T = Duration.ofSeconds(30);
    final String id = "check-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    final Path work = Path.of("/var/tmp/nbdtk-deadlock-lab-test-" + id);
    MemoryCgroups cgroups;
    Journal journal;
    Path shared;

    @BeforeEach
    void buildStack() throws Exception {
        LabHost.requireLab();
        cgroups = MemoryCgroups.detect(LabHost.ROOT).orElseThrow();
        journal = Journal.create(work.resolve("state/" + id + ".journal"));
        journal.record(Journal.WORKDIR, work.resolve("stack"));
        Path stack = work.resolve("stack");
        Files.createDirectories(stack.resolve("fuse"));
        Files.createDirectories(stack.resolve("mnt"));
        shared = cgroups.create(id, 1L << 30);
        journal.record(Journal.CGROUP, shared);
        Path sock = stack.resolve("nbd.sock");
        start(shared, "server", "nbdkit", "-f", "-U", sock.toString(), "memory", "64M");
        await().atMost(T).until(() -> Files.exists(sock));
        journal.record(Journal.MOUNT, stack.resolve("fuse"));
        start(shared, "fuse-daemon", "nbdfuse", "-P", stack.resolve("pid").toString(),
                stack.resolve("fuse/disk").toString(), "--unix", sock.toString());
        await().atMost(T).until(() -> mounts().atMountPoint(stack.resolve("fuse").toString()).isPresent());
        int conn = mounts().atMountPoint(stack.resolve("fuse").toString()).orElseThrow().minor();
        journal.record(Journal.FUSE, conn, stack.resolve("fuse"));
        start(shared, "bystander", "sleep", "300"); // a writer-like process sharing the daemons' memcg
        String loop = Exec.check(T, "losetup", "-f", "--show", stack.resolve("fuse/disk").toString()).trim();
        journal.record(Journal.LOOP, loop, stack.resolve("fuse/disk"));
        Exec.check(T, "mkfs.ext4", "-q", "-F", loop);
        journal.record(Journal.MOUNT, stack.resolve("mnt"));
        Exec.check(T, "mount", "-t", "ext4", loop, stack.resolve("mnt").toString());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (journal == null) {
            return;
        }
        journal.close();
        Cleanup.Outcome out = new Cleanup(LabHost.ROOT, HostActions.REAL).replay(journal.file(), Journal.read(journal.file()));
        assertThat(out.clean()).as(out.steps().toString()).isTrue();
        LabHost.assertNothingLeftUnder(work.resolve("stack"));
        Files.deleteIfExists(work.resolve("state"));
        Files.deleteIfExists(work);
    }

    @Test
    void findsTheLoopOnFuseChainDownToTheNbdkitServer() throws Exception {
        Path stack = work.resolve("stack");
        List<Finding> findings = new HazardScanner(LabHost.ROOT, "self").scan();

        Finding top = findings.stream().filter(f -> f.mountPoint().equals(stack.resolve("mnt").toString()))
                .findFirst().orElseThrow();
        assertThat(top.severity()).isEqualTo(Finding.Severity.HIGH);
        assertThat(top.chainText()).contains("/dev/loop", stack.resolve("fuse/disk").toString(), "fuse-daemon nbdfuse",
                "server nbdkit");
        assertThat(top.processes()).extracting(Protection::comm).containsExactly("nbdfuse", "nbdkit");
        assertThat(top.mitigated()).as("daemons share their memcg with another process").isFalse();
        assertThat(findings).anyMatch(f -> f.mountPoint().equals(stack.resolve("fuse").toString())
                && f.severity() == Finding.Severity.MEDIUM);
        assertThat(new CheckReport(findings).exitCode()).isEqualTo(CheckReport.EXIT_HAZARD);
    }

    @Test
    void movingTheDaemonsIntoTheirOwnCgroupMitigatesTheChain() throws Exception {
        Path stack = work.resolve("stack");
        Path own = cgroups.create(id + "-daemons", 1L << 30);
        journal.record(Journal.CGROUP, own);
        for (Journal.Entry e : Journal.read(journal.file())) {
            if (e.kind().equals(Journal.PROCESS) && !e.field(2).equals("bystander")) {
                Files.writeString(own.resolve("cgroup.procs"), e.field(0));
            }
        }

        Finding top = new HazardScanner(LabHost.ROOT, "self").scan().stream()
                .filter(f -> f.mountPoint().equals(stack.resolve("mnt").toString())).findFirst().orElseThrow();

        assertThat(top.mitigated()).isTrue();
        assertThat(top.processes()).allMatch(Protection::cgroupIsolated);
    }

    private void start(Path cgroup, String role, String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("sh", "-c", "echo $$ > \"$0\" && exec \"$@\"",
                cgroup.resolve("cgroup.procs").toString()));
        full.addAll(List.of(command));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        long start = new ProcFs(LabHost.ROOT).stat((int) p.pid()).orElseThrow().startTime();
        journal.record(Journal.PROCESS, p.pid(), start, role);
    }

    private static MountTable mounts() throws Exception {
        return MountTable.read(LabHost.ROOT.resolve("proc/self/mountinfo"));
    }
}
