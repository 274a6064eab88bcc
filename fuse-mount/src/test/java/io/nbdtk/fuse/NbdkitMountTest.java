package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.nbdtk.testing.Prerequisites;

/** Real mounts of real nbdkit servers, checked against the server's own view (nbdcopy, nbdinfo). */
class NbdkitMountTest {
    @TempDir Path tmp;
    private Path mp;
    private Path socket;
    private Nbdkit server;
    private RunningMount mount;

    @BeforeEach
    void setUp() throws IOException {
        FuseTestSupport.requireFuse();
        mp = Files.createDirectory(tmp.resolve("mnt"));
        socket = tmp.resolve("nbd.sock");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (mount != null) {
            mount.close();
        }
        MountCleanup.ensureUnmounted(mp);
        if (server != null) {
            server.close();
        }
    }

    private RunningMount mount(boolean readOnly) {
        mount = RunningMount.start(server.uri(), mp, tmp, readOnly, Duration.ofSeconds(2));
        return mount;
    }

    private byte[] serverView(long length) throws Exception {
        Path nbdcopy = Prerequisites.tool("nbdcopy", "libnbd-bin");
        Path copy = tmp.resolve("server-view");
        ExportFileSystemMountTest.run(nbdcopy.toString(), server.uri(), copy.toString());
        byte[] all = Files.readAllBytes(copy);
        return java.util.Arrays.copyOf(all, (int) length);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void javaAndDdWritesReachTheServerAndReadBack() throws Exception {
        server = new Nbdkit(socket, "memory", "64M").start();
        mount(false);
        Path disk = mount.file("default");
        assertThat(Files.size(disk)).isEqualTo(64L << 20);

        byte[] pattern = new byte[3 << 20];
        new Random(7).nextBytes(pattern);
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(pattern);
            while (b.hasRemaining()) {
                ch.write(b, b.position());
            }
            ch.force(true);
        }
        Path random = tmp.resolve("random");
        Files.write(random, java.util.Arrays.copyOf(pattern, 1 << 20));
        ExportFileSystemMountTest.run("dd", "if=" + random, "of=" + disk, "bs=64k", "seek=64", "conv=notrunc,fsync",
                "status=none"); // the first MiB again, at 4 MiB

        byte[] expected = new byte[5 << 20];
        System.arraycopy(pattern, 0, expected, 0, pattern.length);
        System.arraycopy(pattern, 0, expected, 4 << 20, 1 << 20);
        byte[] viaMount = new byte[expected.length];
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.wrap(viaMount);
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) { }
        }
        assertThat(sha256(viaMount)).isEqualTo(sha256(expected));
        assertThat(sha256(serverView(expected.length))).isEqualTo(sha256(expected));
        assertThat(mount.unmount()).isZero();
    }

    @Test
    void punchedHoleIsAHoleOnTheServer() throws Exception {
        Path nbdinfo = Prerequisites.tool("nbdinfo", "libnbd-bin");
        Path fallocate = Prerequisites.tool("fallocate", "util-linux");
        server = new Nbdkit(socket, "memory", "8M").start();
        mount(false);
        Path disk = mount.file("default");
        byte[] ones = new byte[8 << 20];
        java.util.Arrays.fill(ones, (byte) 1);
        Files.write(disk, ones, StandardOpenOption.WRITE);

        ExportFileSystemMountTest.run(fallocate.toString(), "-p", "-o", "1M", "-l", "2M", disk.toString());

        Exec.Result map = Exec.run(List.of(nbdinfo.toString(), "--map", server.uri()), Duration.ofSeconds(30));
        assertThat(map.output()).containsPattern("1048576\\s+2097152\\s+3\\s+hole,zero");
        byte[] back = Files.readAllBytes(disk);
        assertThat(back[(1 << 20) - 1]).isEqualTo((byte) 1);
        assertThat(back[1 << 20]).isZero();
        assertThat(back[(3 << 20) - 1]).isZero();
        assertThat(back[3 << 20]).isEqualTo((byte) 1);
    }

    @Test
    void injectedServerErrorsArriveAsEio() throws Exception {
        Path trigger = tmp.resolve("fail-now");
        server = new Nbdkit(socket, "--filter=error", "memory", "8M", "error=EIO", "error-rate=100%",
                "error-file=" + trigger).start();
        mount(false);
        Path disk = mount.file("default");
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Files.createFile(trigger);
            assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(4096), 0)).hasMessageContaining("Input/output error");
            assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(4096), 0)).hasMessageContaining("Input/output error");
            Files.delete(trigger);
            assertThat(ch.read(ByteBuffer.allocate(4096), 0)).isEqualTo(4096);
        }
    }

    @Test
    void serverKilledGivesEioThenIoWorksAgainAfterRestart() throws Exception {
        Path image = tmp.resolve("disk.img");
        try (FileChannel f = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.wrap(new byte[] {0}), (8 << 20) - 1);
        }
        server = new Nbdkit(socket, "file", image.toString()).start();
        mount(false);
        Path disk = mount.file("default");
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("before".getBytes()), 0);
            ch.force(true);

            server.kill();
            // the first request finds the connection dead, the next ones wait for a reconnect in
            // vain: all of them fail with EIO within the timeouts, none hangs
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(6), 0)).hasMessageContaining("Input/output error");
            }

            server = new Nbdkit(socket, "file", image.toString()).start();
            ByteBuffer back = ByteBuffer.allocate(6);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> ch.read(back.clear(), 0) == 6);
            assertThat(new String(back.array())).isEqualTo("before");
            ch.write(ByteBuffer.wrap("after!".getBytes()), 0);
            ch.force(true);
        }
        assertThat(new String(Files.readAllBytes(image), 0, 6)).isEqualTo("after!");
    }

    @Test
    void stalledServerIsBoundedByTheRequestTimeout() throws Exception {
        server = new Nbdkit(socket, "memory", "1M").start();
        mount = RunningMount.start(server.uri(), mp, tmp, true, Duration.ofSeconds(2), Duration.ofSeconds(2));
        Path disk = mount.file("default");
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ)) {
            server.signal("STOP"); // the server hangs: connections stay open, nothing is answered
            try {
                var stalled = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return ch.read(ByteBuffer.allocate(4096), 8192);
                    } catch (IOException e) {
                        return e;
                    }
                });
                // the bound on this get() is only the test's safety net: the read ends with EIO
                // after the 2 s request timeout (plus the 2 s wait for a reconnection)
                assertThat(stalled.get(50, java.util.concurrent.TimeUnit.SECONDS))
                        .isInstanceOfSatisfying(IOException.class, e -> assertThat(e).hasMessageContaining("Input/output error"));
            } finally {
                server.signal("CONT");
            }
            ByteBuffer b = ByteBuffer.allocate(4096);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> ch.read(b.clear(), 0) == 4096);
        }
    }

    @Test
    void everyOneOfFourConnectionsCarriesRequests() throws Exception {
        Path log = tmp.resolve("nbdkit.log");
        server = new Nbdkit(socket, "--filter=log", "memory", "16M", "logfile=" + log).start();
        mount = RunningMount.start(server.uri(), mp, tmp, false, Duration.ofSeconds(20), Duration.ofSeconds(2), 4);
        ExportFileSystemMountTest.run("dd", "if=/dev/zero", "of=" + mount.file("default"), "bs=64k", "count=64",
                "oflag=direct", "conv=notrunc", "status=none");
        java.util.Set<String> writers = new java.util.TreeSet<>();
        for (String line : Files.readAllLines(log)) {
            var m = java.util.regex.Pattern.compile("connection=(\\d+) Write ").matcher(line);
            if (m.find()) {
                writers.add(m.group(1));
            }
        }
        assertThat(writers).hasSize(4); // nbdfuse -C 4 left one of its four connections idle
    }

    @Test
    void readOnlyMountRefusesWritesAndReadOnlyExportsMountReadOnly() throws Exception {
        server = new Nbdkit(socket, "memory", "1M").start();
        mount(true);
        Path disk = mount.file("default");
        assertThat(mount.out()).contains("read-only");
        assertThatThrownBy(() -> Files.write(disk, new byte[1], StandardOpenOption.WRITE))
                .hasMessageContaining("Read-only file system");
        assertThat(Files.readAllBytes(disk)).hasSize(1 << 20);
        ExportFileSystemMountTest.run(FusePrerequisites.fusermount(), "-u", mp.toString());
        mount.exit.get();

        server.close();
        server = new Nbdkit(socket, "-r", "memory", "1M").start();
        mount(false);
        assertThat(mount.out()).contains("read-only");
        assertThatThrownBy(() -> Files.write(mount.file("default"), new byte[1], StandardOpenOption.WRITE))
                .isInstanceOf(IOException.class);
    }

    @Test
    void ext4OnTheFileSurvivesLoopMountAndFsck() throws Exception {
        Path mkfs = Prerequisites.tool("mkfs.ext4", "e2fsprogs");
        Path fsck = Prerequisites.tool("fsck.ext4", "e2fsprogs");
        Prerequisites.require(Prerequisites.isRoot(), "root (loop mount)");
        server = new Nbdkit(socket, "memory", "64M").start();
        mount(false);
        Path disk = mount.file("default");
        ExportFileSystemMountTest.run(mkfs.toString(), "-q", "-F", disk.toString());
        Path top = Files.createDirectory(tmp.resolve("top"));
        ExportFileSystemMountTest.run("mount", "-o", "loop", disk.toString(), top.toString());
        try {
            byte[] data = new byte[4 << 20];
            new Random(1).nextBytes(data);
            Files.write(top.resolve("a"), data);
            Files.writeString(top.resolve("b"), "hello");
        } finally {
            ExportFileSystemMountTest.run("umount", top.toString());
        }
        ExportFileSystemMountTest.run(fsck.toString(), "-n", "-f", disk.toString());
    }
}
