package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run of a mount from "ready" to a clean exit, with in-memory exports standing in for a server. */
class MountRunnerTest {
    @TempDir Path tmp;
    private Path mp;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws IOException {
        FuseTestSupport.requireFuse();
        mp = Files.createDirectory(tmp.resolve("mnt"));
    }

    @AfterEach
    void tearDown() {
        MountCleanup.ensureUnmounted(mp);
    }

    /** A source whose "server" is in memory, placed wherever the test says. */
    static final class MemorySource implements ExportSource {
        final Locality where;
        final MemoryBlockDevice device = new MemoryBlockDevice(1 << 20);
        boolean opened;

        MemorySource(Locality where) {
            this.where = where;
        }

        @Override public Locality locality() { return where; }
        @Override public List<ExportFile> open() { opened = true; return List.of(new ExportFile("disk", device)); }
        @Override public String describe() { return "memory"; }
        @Override public void close() {}
    }

    private MountRunner runner(boolean readOnly, boolean allowLocalRw) throws IOException {
        Path fakeCgroups = Files.createDirectories(tmp.resolve("cgroup")); // no controller: nothing is moved
        return new MountRunner(new MountRunner.Settings(readOnly, allowLocalRw, false, false, false, List.of(),
                fakeCgroups, "/", tmp.resolve("pid"), false),
                new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true), new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void localReadWriteIsRefusedBeforeConnecting() throws Exception {
        MemorySource source = new MemorySource(Locality.ofUnixSocket("/tmp/x.sock"));
        assertThat(runner(false, false).run(source, mp, false)).isEqualTo(MountRunner.EXIT_REFUSED);
        assertThat(source.opened).isFalse();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("deadlock").contains("--allow-local-rw");
        assertThat(MountCleanup.fuseMountAt(mp)).isEmpty();
    }

    @Test
    void remoteMountSaysReadyServesAndEndsWhenUnmounted() throws Exception {
        MemorySource source = new MemorySource(new Locality(false, "remote"));
        MountRunner r = runner(false, false);
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
            try {
                return r.run(source, mp, false);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, task -> new Thread(task, "mount-runner").start()); // a fresh thread: IO_FLUSHER is per thread
        // the pidfile comes last: once it exists, the ready line has been printed too
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(tmp.resolve("pid")));
        assertThat(out()).contains("nbd-fuse: ready: " + mp.resolve("disk"));
        assertThat(out()).contains("(1048576 bytes, read-write) from memory");
        assertThat(Files.readString(tmp.resolve("pid")).trim()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        Files.write(mp.resolve("disk"), new byte[] {7, 7, 7}, java.nio.file.StandardOpenOption.WRITE);
        assertThat(source.device.contents()[2]).isEqualTo((byte) 7);

        ExportFileSystemMountTest.run(FusePrerequisites.fusermount(), "-u", mp.toString());
        assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(tmp.resolve("pid")).doesNotExist();
    }

    @Test
    void localReadWriteWhenAllowedReportsEveryMitigation() throws Exception {
        MemorySource source = new MemorySource(Locality.ofUnixSocket("/tmp/x.sock"));
        MountRunner r = runner(false, true);
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
            try {
                return r.run(source, mp, false);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, task -> new Thread(task, "mount-runner").start()); // a fresh thread: IO_FLUSHER is per thread
        await().atMost(Duration.ofSeconds(30)).until(() -> out().contains("ready"));
        String report = err.toString(StandardCharsets.UTF_8);
        assertThat(report).contains("applied: FUSE direct_io")
                .contains("prctl(PR_SET_IO_FLUSHER)")
                .contains("not applied: own memory cgroup (no memory cgroup controller");
        // direct_io: O_DIRECT opens work and nothing of the file stays in the page cache
        assertThat(MountCleanup.fuseMountAt(mp)).isPresent();
        ExportFileSystemMountTest.run("dd", "if=/dev/zero", "of=" + mp.resolve("disk"), "bs=4096", "count=4",
                "oflag=direct", "conv=notrunc");
        ExportFileSystemMountTest.run(FusePrerequisites.fusermount(), "-u", mp.toString());
        assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
    }
}
