package io.nbdtk.fuse;

import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** nbd-fuse's run (MountRunner) on a background thread, as the command runs it, for tests. */
final class RunningMount implements AutoCloseable {
    final Path mountPoint;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final CompletableFuture<Integer> exit;

    private RunningMount(Path mountPoint, ExportSource source, MountRunner.Settings settings, boolean demo) {
        this.mountPoint = mountPoint;
        MountRunner runner = new MountRunner(settings, new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true),
                new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        exit = CompletableFuture.supplyAsync(() -> {
            try (source) {
                return runner.run(source, mountPoint, demo);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, task -> new Thread(task, "mount-runner").start()); // a fresh thread: IO_FLUSHER is per thread
    }

    /**
     * Mounts {@code uri} like {@code nbd-fuse --allow-local-rw} (the test servers are local), with
     * a fake cgroup tree and no mlockall: neither may touch the test JVM.
     */
    static RunningMount start(String uri, Path mountPoint, Path scratch, boolean readOnly, Duration reconnectTimeout) {
        return start(uri, mountPoint, scratch, readOnly, Duration.ofSeconds(20), reconnectTimeout);
    }

    static RunningMount start(String uri, Path mountPoint, Path scratch, boolean readOnly, Duration requestTimeout,
            Duration reconnectTimeout) {
        return start(uri, mountPoint, scratch, readOnly, requestTimeout, reconnectTimeout, 2);
    }

    static RunningMount start(String uri, Path mountPoint, Path scratch, boolean readOnly, Duration requestTimeout,
            Duration reconnectTimeout, int connections) {
        ClientSettings cs = new ClientSettings(readOnly, connections, requestTimeout, reconnectTimeout);
        return start(new NbdExportSource(uri, false, cs), mountPoint, scratch, readOnly, false);
    }

    /** Runs {@code source} like the command would ({@code demo}: as --demo, local by construction). */
    static RunningMount start(ExportSource source, Path mountPoint, Path scratch, boolean readOnly, boolean demo) {
        MountRunner.Settings s = new MountRunner.Settings(readOnly, !demo, false, false, false, List.of(),
                scratch.resolve("no-cgroups"), "/", null, false);
        RunningMount m = new RunningMount(mountPoint, source, s, demo);
        await().atMost(Duration.ofSeconds(60)).until(() -> m.out().contains("ready") || m.exit.isDone());
        if (m.exit.isDone()) {
            throw new IllegalStateException("nbd-fuse ended: " + m.exit.join() + " " + m.err());
        }
        return m;
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    Path file(String name) {
        return mountPoint.resolve(name);
    }

    int unmount() throws Exception {
        ExportFileSystemMountTest.run(FusePrerequisites.fusermount(), "-u", mountPoint.toString());
        return exit.get(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        MountCleanup.ensureUnmounted(mountPoint);
        try {
            exit.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("mount run ended with " + e);
        }
    }
}
