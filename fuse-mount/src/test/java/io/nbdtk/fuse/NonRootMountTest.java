package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.nbdtk.testing.Prerequisites;

/**
 * An ordinary user (nobody) mounts with the real command, reads and writes, and unmounts with
 * fusermount -u. Root only sets the stage: a world-readable copy of the classpath, a mount point
 * the user owns, and /dev/fuse at the usual distribution mode 0666.
 */
class NonRootMountTest {
    private static final String UID = "65534";
    private Path dir;
    private Path mp;
    private Process daemon;
    private Process nbdkit;

    @BeforeEach
    void setUp() throws IOException {
        FuseTestSupport.requireFuse();
        Prerequisites.require(Prerequisites.isRoot(), "root, to run the daemon as another user");
        Prerequisites.tool("setpriv", "util-linux");
        Path devFuse = Path.of("/dev/fuse");
        if (!PosixFilePermissions.toString(Files.getPosixFilePermissions(devFuse)).equals("rw-rw-rw-")) {
            // Debian's udev rule makes it 0666; some minimal images leave it 0600 (root only)
            Files.setPosixFilePermissions(devFuse, PosixFilePermissions.fromString("rw-rw-rw-"));
        }
        dir = Files.createTempDirectory(Path.of("/tmp"), "nbd-fuse-nonroot");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        mp = Files.createDirectory(dir.resolve("mnt"));
        run(List.of("chown", UID + ":" + UID, mp.toString(), dir.toString()));
    }

    @AfterEach
    void tearDown() throws Exception {
        MountCleanup.ensureUnmounted(mp);
        for (Process p : new Process[] {daemon, nbdkit}) {
            if (p != null && p.isAlive()) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
                }
            }
        }
        run(List.of("rm", "-rf", dir.toString()));
    }

    private static List<String> asNobody(String... cmd) {
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=" + UID, "--regid=" + UID, "--clear-groups",
                "--reset-env"));
        c.addAll(List.of(cmd));
        return c;
    }

    private static Exec.Result run(List<String> cmd) throws IOException {
        return Exec.run(cmd, Duration.ofSeconds(60));
    }

    /** The test classpath, copied where nobody can read it (/root is closed to other users). */
    private String readableClasspath() throws IOException {
        Path cp = Files.createDirectory(dir.resolve("cp"));
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path src = Path.of(e);
            if (Files.isDirectory(src)) {
                Path dst = cp.resolve("dir" + i++);
                run(List.of("cp", "-r", src.toString(), dst.toString()));
                entries.add(dst.toString());
            } else if (Files.isRegularFile(src)) {
                Path dst = cp.resolve(i++ + "-" + src.getFileName());
                Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
                entries.add(dst.toString());
            }
        }
        run(List.of("chmod", "-R", "a+rX", cp.toString()));
        return String.join(File.pathSeparator, entries);
    }

    @Test
    void nobodyMountsWritesReadsAndUnmounts() throws Exception {
        Path nbdkitBin = Prerequisites.tool("nbdkit", "nbdkit");
        Path socket = dir.resolve("nbd.sock");
        nbdkit = new ProcessBuilder(asNobody(nbdkitBin.toString(), "-f", "--exit-with-parent", "-U", socket.toString(),
                "memory", "4M")).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(socket));

        Path pid = dir.resolve("pid");
        Path log = dir.resolve("log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        daemon = new ProcessBuilder(asNobody(java, "-Xmx128m", "-cp", readableClasspath(), NbdFuseCommand.class.getName(),
                "--allow-local-rw", "-P", pid.toString(), "nbd+unix:///?socket=" + socket, mp.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(pid) || !daemon.isAlive());
        assertThat(daemon.isAlive()).as(Files.readString(log)).isTrue();
        // as an ordinary user the privileged mitigations are reported, with the reason, not faked
        assertThat(Files.readString(log)).contains("not applied: own memory cgroup", "applied: FUSE direct_io");

        Path sample = dir.resolve("sample");
        byte[] data = new byte[1 << 20];
        new Random(5).nextBytes(data);
        Files.write(sample, data);
        Files.setPosixFilePermissions(sample, PosixFilePermissions.fromString("rw-r--r--"));
        Path file = mp.resolve("default");
        Exec.Result w = run(asNobody("dd", "if=" + sample, "of=" + file, "bs=64k", "conv=notrunc,fsync", "status=none"));
        assertThat(w.exitCode()).as(w.output()).isZero();
        Exec.Result r = run(asNobody("sh", "-c", "head -c 1048576 " + file + " | cmp - " + sample + " && stat -c %U " + file));
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).isEqualTo("nobody");

        Exec.Result u = run(asNobody(FusePrerequisites.fusermount(), "-u", mp.toString()));
        assertThat(u.exitCode()).as(u.output()).isZero();
        assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(daemon.exitValue()).as(Files.readString(log)).isZero();
    }
}
