package io.nbdtk.lab.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.lab.sys.FakeSystem;
import io.nbdtk.lab.sys.ProcFs;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scanner against /proc + /sys trees modelled on captures from this machine. */
class HazardScannerTest {
    static final String SESSION_MEMCG = "/process_api/9130";

    /**
     * The reference reproduction: ext4 on loop0, whose backing file is an nbdfuse file served by
     * nbdkit over a Unix socket (captured from a real run; inode numbers as the kernel gave them).
     */
    static FakeSystem loopOnNbdfuse(String daemonMemcg) {
        return new FakeSystem()
                .mount("47 27 0:41 / /tmp/dl/fuse rw,nosuid,nodev,relatime - fuse /dev/fuse rw,user_id=0,group_id=0")
                .mount("48 27 7:0 / /tmp/dl/mnt rw,relatime - ext4 /dev/loop0 rw")
                .loop("loop0", "7:0", "/tmp/dl/fuse/disk", false)
                .process(8849, "nbdkit", List.of("nbdkit", "-f", "-U", "/tmp/dl/nbd.sock", "file", "/tmp/dl/backing.img"),
                        daemonMemcg, "5", "socket:[14818]", "6", "socket:[14821]", "9", "/tmp/dl/backing.img")
                .process(8852, "nbdfuse", List.of("nbdfuse", "-P", "/tmp/dl/nbdfuse.pid", "/tmp/dl/fuse/disk", "--unix",
                        "/tmp/dl/nbd.sock"), daemonMemcg, "3", "socket:[14820]", "7", "/dev/fuse")
                .fdinfo(8852, 7, "pos:\t0\nflags:\t02100002\nmnt_id:\t24\nino:\t89\nfuse_connection:\t41\n")
                .process(900, "dd", List.of("dd", "if=/dev/zero", "of=/tmp/dl/mnt/f"), SESSION_MEMCG, "1", "/tmp/dl/mnt/f")
                .unixSocket(14818, true, 1, "/tmp/dl/nbd.sock")
                .unixSocket(14820, false, 3, "")
                .unixSocket(14821, false, 3, "/tmp/dl/nbd.sock");
    }

    static List<Finding> scan(FakeSystem sys) throws Exception {
        return new HazardScanner(sys.build(), "self").scan();
    }

    @Test
    void loopFilesystemOnALocalFuseFileIsAHighHazardWithTheWholeChain() throws Exception {
        List<Finding> findings = scan(loopOnNbdfuse(SESSION_MEMCG));

        Finding top = findings.stream().filter(f -> f.mountPoint().equals("/tmp/dl/mnt")).findFirst().orElseThrow();
        assertThat(top.severity()).isEqualTo(Finding.Severity.HIGH);
        assertThat(top.mitigated()).isFalse();
        assertThat(top.chainText()).isEqualTo("/tmp/dl/mnt (ext4, rw) -> /dev/loop0 -> /tmp/dl/fuse/disk"
                + " -> /tmp/dl/fuse (fuse) -> FUSE connection 41 at /tmp/dl/fuse"
                + " -> fuse-daemon nbdfuse (pid 8852) -> server nbdkit (pid 8849)");
        assertThat(top.processes()).extracting(Protection::pid).containsExactly(8852, 8849);
        assertThat(new CheckReport(findings).exitCode()).isEqualTo(CheckReport.EXIT_HAZARD);
    }

    @Test
    void theFuseMountItselfIsAMediumHazard() throws Exception {
        List<Finding> findings = scan(loopOnNbdfuse(SESSION_MEMCG));

        assertThat(findings).extracting(Finding::mountPoint, Finding::severity).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("/tmp/dl/mnt", Finding.Severity.HIGH),
                org.assertj.core.groups.Tuple.tuple("/tmp/dl/fuse", Finding.Severity.MEDIUM));
    }

    @Test
    void daemonsInTheirOwnMemoryCgroupAreReportedAsMitigated() throws Exception {
        List<Finding> findings = scan(loopOnNbdfuse("/lab-daemons").memcgLimit("/lab-daemons", 1L << 30));

        assertThat(findings).allMatch(Finding::mitigated);
        Protection fuse = findings.get(0).processes().get(0);
        assertThat(fuse.cgroupIsolated()).isTrue();
        assertThat(fuse.memcg().orElseThrow().limitBytes()).hasValue(1L << 30);
        assertThat(new CheckReport(findings).exitCode()).isEqualTo(CheckReport.EXIT_SAFE);
    }

    @Test
    void ioFlusherOnEveryThreadOfEveryDaemonMitigates() throws Exception {
        List<Finding> findings = scan(loopOnNbdfuse(SESSION_MEMCG)
                .threadFlags(8852, 0x400140L | ProcFs.PF_IO_FLUSHER)
                .threadFlags(8849, 0x400140L | ProcFs.PF_IO_FLUSHER));

        assertThat(findings).allMatch(Finding::mitigated);
        assertThat(findings.get(0).processes().get(0).measures()).contains("PR_SET_IO_FLUSHER");
    }

    @Test
    void ioFlusherOnOnlyOneDaemonLeavesTheChainUnmitigated() throws Exception {
        List<Finding> findings = scan(loopOnNbdfuse(SESSION_MEMCG).threadFlags(8852, ProcFs.PF_IO_FLUSHER));

        assertThat(findings).noneMatch(Finding::mitigated);
    }

    @Test
    void readOnlyLoopDeviceAndReadOnlyMountsAreNotReported() throws Exception {
        FakeSystem sys = loopOnNbdfuse(SESSION_MEMCG).loop("loop0", "7:0", "/tmp/dl/fuse/disk", true);

        assertThat(scan(sys)).extracting(Finding::mountPoint).containsExactly("/tmp/dl/fuse");
    }

    @Test
    void readOnlyFuseMountIsNotReported() throws Exception {
        FakeSystem sys = new FakeSystem()
                .mount("47 27 0:41 / /tmp/ro ro,nosuid,nodev,relatime - fuse /dev/fuse ro,user_id=0")
                .process(10, "nbdfuse", List.of("nbdfuse", "-r", "/tmp/ro/disk", "nbd://example.org"), "/", "7", "/dev/fuse")
                .fdinfo(10, 7, "fuse_connection:\t41\n");

        assertThat(scan(sys)).isEmpty();
    }

    @Test
    void withoutFuseConnectionInFdinfoTheDaemonIsFoundByItsCommandLine() throws Exception {
        FakeSystem sys = loopOnNbdfuse(SESSION_MEMCG)
                .fdinfo(8852, 7, "pos:\t0\nflags:\t02100002\nmnt_id:\t24\nino:\t89\n");

        Finding top = scan(sys).get(0);
        assertThat(top.processes()).extracting(Protection::comm).containsExactly("nbdfuse", "nbdkit");
    }

    @Test
    void tcpPeerOnLoopbackIsFollowedToTheListeningServer() throws Exception {
        FakeSystem sys = new FakeSystem()
                .mount("50 27 0:44 / /srv/fuse rw,relatime - fuse /dev/fuse rw,user_id=0")
                .process(20, "nbdfuse", List.of("nbdfuse", "/srv/fuse/disk", "--tcp", "localhost", "39999"), SESSION_MEMCG,
                        "3", "socket:[500]", "7", "/dev/fuse")
                .fdinfo(20, 7, "fuse_connection:\t44\n")
                .process(21, "qemu-nbd", List.of("qemu-nbd", "-p", "39999", "disk.qcow2"), SESSION_MEMCG,
                        "4", "socket:[400]", "5", "socket:[501]")
                // 127.0.0.1:39999 listening; 127.0.0.1:41000 <-> 127.0.0.1:39999 established
                .tcpSocket(400, "0100007F:9C3F", "00000000:0000", "0A")
                .tcpSocket(500, "0100007F:A028", "0100007F:9C3F", "01")
                .tcpSocket(501, "0100007F:9C3F", "0100007F:A028", "01");

        Finding f = scan(sys).get(0);
        assertThat(f.processes()).extracting(Protection::comm).containsExactly("nbdfuse", "qemu-nbd");
        assertThat(f.severity()).isEqualTo(Finding.Severity.MEDIUM);
    }

    @Test
    void aFuseDaemonTalkingToAnotherMachineRecordsTheRemoteDependency() throws Exception {
        FakeSystem sys = new FakeSystem()
                .mount("50 27 0:44 / /srv/fuse rw,relatime - fuse /dev/fuse rw,user_id=0")
                .process(20, "nbdfuse", List.of("nbdfuse", "/srv/fuse/disk", "--tcp", "10.1.2.3", "10809"), SESSION_MEMCG,
                        "3", "socket:[500]", "7", "/dev/fuse")
                .fdinfo(20, 7, "fuse_connection:\t44\n")
                .file("proc/net/fib_trie", "Local:\n  +-- 0.0.0.0/0 3 0 4\n     |-- 192.0.2.2\n        /32 host LOCAL\n")
                // 192.0.2.2:41000 -> 10.1.2.3:10809
                .tcpSocket(500, "020200C0:A028", "0302010A:2A39", "01");
        HazardScanner scanner = new HazardScanner(sys.build(), "self");

        List<Finding> findings = scanner.scan();

        assertThat(findings).hasSize(1); // the daemon itself is still local
        assertThat(findings.get(0).processes()).extracting(Protection::comm).containsExactly("nbdfuse");
        assertThat(scanner.remotes()).containsExactly(new Remote("/srv/fuse", "10.1.2.3", 10809));
    }

    @Test
    void deviceMapperOverALoopOnFuseIsFollowedThroughItsSlaves() throws Exception {
        FakeSystem sys = loopOnNbdfuse(SESSION_MEMCG)
                .mount("60 27 253:3 / /data rw,relatime - xfs /dev/mapper/vg-data rw")
                .blockDevice("dm-3", "253:3", "loop0");

        Finding data = scan(sys).stream().filter(f -> f.mountPoint().equals("/data")).findFirst().orElseThrow();
        assertThat(data.chainText()).startsWith("/data (xfs, rw) -> /dev/dm-3 -> /dev/loop0 -> /tmp/dl/fuse/disk");
        assertThat(data.severity()).isEqualTo(Finding.Severity.HIGH);
    }

    @Test
    void kernelNbdToARemoteServerIsNotAHazard() throws Exception {
        FakeSystem sys = new FakeSystem()
                .mount("70 27 43:0 / /remote rw,relatime - ext4 /dev/nbd0 rw")
                .blockDevice("nbd0", "43:0")
                .file("sys/class/block/nbd0/pid", "30\n")
                .process(30, "nbd-client", List.of("nbd-client", "10.1.2.3", "/dev/nbd0"), "/", "3", "socket:[600]")
                .tcpSocket(600, "0A00020F:B000", "0302010A:2A29", "01");

        assertThat(scan(sys)).isEmpty();
    }

    @Test
    void kernelNbdToALocalServerIsAHighHazard() throws Exception {
        FakeSystem sys = new FakeSystem()
                .mount("70 27 43:0 / /local rw,relatime - ext4 /dev/nbd0 rw")
                .blockDevice("nbd0", "43:0")
                .file("sys/class/block/nbd0/pid", "30\n")
                .process(30, "nbd-client", List.of("nbd-client", "localhost", "/dev/nbd0"), "/", "3", "socket:[600]")
                .process(31, "nbd-server", List.of("nbd-server", "10809", "/srv/disk.img"), "/", "3", "socket:[601]",
                        "4", "socket:[602]")
                .tcpSocket(601, "00000000:2A29", "00000000:0000", "0A")
                .tcpSocket(600, "0100007F:B000", "0100007F:2A29", "01")
                .tcpSocket(602, "0100007F:2A29", "0100007F:B000", "01");

        Finding f = scan(sys).get(0);
        assertThat(f.severity()).isEqualTo(Finding.Severity.HIGH);
        assertThat(f.chainText()).endsWith("/dev/nbd0 -> nbd-server nbd-server (pid 31)");
        // nbd-server runs in the root memcg: no memcg limit can make it wait on a writer's writeback
        assertThat(f.mitigated()).isTrue();
    }

    @Test
    void jsonNamesTheChainAndTheProtections() throws Exception {
        String json = new CheckReport(scan(loopOnNbdfuse(SESSION_MEMCG))).toJson();

        assertThat(json).contains("\"hazard\": true", "\"severity\": \"high\"", "\"kind\": \"loop\"",
                "\"comm\": \"nbdfuse\"", "\"path\": \"/process_api/9130\"", "\"cgroupIsolated\": false");
    }

    @Test
    void noFuseNoHazard() throws Exception {
        CheckReport report = new CheckReport(scan(new FakeSystem()));

        assertThat(report.exitCode()).isEqualTo(CheckReport.EXIT_SAFE);
        assertThat(report.toText()).startsWith("no writable mount");
    }
}
