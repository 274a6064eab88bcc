package io.nbdtk.fuse;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.nbdtk.fuse.kernel.FuseDevice;
import io.nbdtk.fuse.kernel.FuseSession;

/**
 * A live FUSE mount of export files, and its lifecycle. The mount is only reported once the
 * kernel has initialised it and a stat through it answers, and unmounting is awaited (not lazy,
 * unless asked) until the engine's request loop has really ended. Two engines can serve it (see
 * {@link FuseEngine}): nbd-fuse's own kernel-protocol engine, or libfuse 2 through jnr-fuse.
 */
public final class FuseMount implements AutoCloseable {
    /**
     * Kernel engine threads, each with one request in flight: enough for a queue depth of 16 on
     * one file or 4 x 4 on four, which the NBD client pipelines over its connections.
     */
    static final int KERNEL_THREADS = 16;

    private final Path mountPoint;
    private final ExportFiles files;
    private final MountOptions options;
    private final CompletableFuture<Void> loopEnded = new CompletableFuture<>();
    private volatile int connectionId = -1;

    private FuseMount(Path mountPoint, ExportFiles files, MountOptions options) {
        this.mountPoint = mountPoint;
        this.files = files;
        this.options = options;
    }

    /**
     * Mounts {@code files} at the directory {@code mountPoint} and returns once they answer.
     * {@code onLoopThread} runs first on the thread that becomes the engine's loop; the engine's
     * worker threads are created from it and inherit per-thread settings made there (the point of
     * it: PR_SET_IO_FLUSHER is per thread and inherited).
     */
    public static FuseMount mount(Path mountPoint, List<ExportFile> files, MountOptions options,
            Runnable onLoopThread) throws IOException {
        Path mp = mountPoint.toAbsolutePath().normalize();
        FusePrerequisites.check(mp);
        com.sun.security.auth.module.UnixSystem me = new com.sun.security.auth.module.UnixSystem();
        if (options.engine() == FuseEngine.KERNEL) {
            KernelMountOptions k = KernelMountOptions.of(options, me.getUid(), me.getGid());
            FuseMount m = new FuseMount(mp, new ExportFiles(files, options.readOnly(), k.uid(), k.gid()), options);
            m.startKernel(onLoopThread, k, me);
            return m;
        }
        FuseMount m = new FuseMount(mp, new ExportFiles(files, options.readOnly(), me.getUid(), me.getGid()), options);
        m.start(onLoopThread);
        return m;
    }

    public static FuseMount mount(Path mountPoint, List<ExportFile> files, MountOptions options) throws IOException {
        return mount(mountPoint, files, options, () -> { });
    }

    /**
     * The kernel engine: the loop thread mounts, answers INIT and becomes the first of the
     * session's workers (which it starts, so they inherit its per-thread settings).
     */
    private void startKernel(Runnable onLoopThread, KernelMountOptions k, com.sun.security.auth.module.UnixSystem me)
            throws IOException {
        CompletableFuture<Void> initialised = new CompletableFuture<>();
        Thread exitHook = new Thread(this::unmountAtJvmExit, "nbd-fuse-exit-unmount");
        Thread loop = new Thread(() -> {
            try {
                onLoopThread.run();
                FuseDevice dev = k.mounter().mount(mountPoint, FusePrerequisites.isRoot(), (int) me.getUid(),
                        (int) me.getGid(), options.timeout());
                FuseSession session = new FuseSession(dev,
                        new KernelExportFileSystem(files, k.directIo(), k.keepCache()), KERNEL_THREADS);
                try {
                    session.init();
                } catch (IOException e) {
                    dev.close();
                    throw e;
                }
                Runtime.getRuntime().addShutdownHook(exitHook);
                initialised.complete(null);
                session.serve();
                session.ended().join();
                loopEnded.complete(null);
            } catch (Throwable t) {
                loopEnded.completeExceptionally(t);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(exitHook);
                } catch (IllegalStateException | IllegalArgumentException e) {
                    // the JVM is exiting (the hook runs), or it was never added
                }
            }
        }, "nbd-fuse-loop");
        loop.start();
        awaitStarted(initialised);
    }

    private void awaitStarted(CompletableFuture<?> initialised) throws IOException {
        try {
            CompletableFuture.anyOf(initialised, loopEnded).get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            abort();
            throw new IOException("FUSE mount at " + mountPoint + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            abort();
            throw new IOException("FUSE mount at " + mountPoint + " did not start within " + options.timeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while mounting");
        } finally {
            initialised.cancel(true);
        }
        if (loopEnded.isDone()) {
            throw new IOException("FUSE mount at " + mountPoint + " ended at once (see the message above)");
        }
        awaitReady();
    }

    /** The libfuse 2 engine (jnr-fuse): its loop thread runs libfuse's multi-threaded loop. */
    private void start(Runnable onLoopThread) throws IOException {
        ExportFileSystem fs = new ExportFileSystem(files);
        fs.onJvmExitUnmount(this::unmountAtJvmExit);
        String[] args = options.fuseArguments().toArray(String[]::new);
        Thread loop = new Thread(() -> {
            try {
                onLoopThread.run();
                fs.mount(mountPoint, true, false, args);
                loopEnded.complete(null);
            } catch (LinkageError e) {
                loopEnded.completeExceptionally(new IOException("libfuse.so.2 could not be loaded (apt-get install"
                        + " libfuse2): " + e.getMessage(), e));
            } catch (Throwable t) {
                loopEnded.completeExceptionally(t);
            }
        }, "nbd-fuse-loop");
        loop.start();
        CompletableFuture<Void> initialised = CompletableFuture.runAsync(() -> {
            try {
                fs.awaitInitialised(Long.MAX_VALUE, TimeUnit.DAYS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        awaitStarted(initialised);
    }

    /** The kernel has the mount; prove it answers by stat()ing every file through it, bounded. */
    private void awaitReady() throws IOException {
        CompletableFuture<Void> probe = CompletableFuture.runAsync(() -> {
            for (Path f : files()) {
                try {
                    Files.size(f);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        try {
            probe.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
            Optional<MountTable.Mount> m = MountTable.ofThisProcess().find(mountPoint);
            if (m.isEmpty() || !m.get().isFuse()) {
                throw new IOException("no FUSE mount at " + mountPoint + " after libfuse started");
            }
            connectionId = m.get().minor();
        } catch (ExecutionException | TimeoutException e) {
            abort();
            throw new IOException("FUSE mount at " + mountPoint + " does not answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
            throw new InterruptedIOException("interrupted while probing the mount");
        }
    }

    public Path mountPoint() {
        return mountPoint;
    }

    /** The exported files, in the order of the exports. */
    public List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (String n : files.names()) {
            out.add(mountPoint.resolve(n));
        }
        return out;
    }

    /** The kernel's FUSE connection id (its directory under /sys/fs/fuse/connections). */
    public int connectionId() {
        return connectionId;
    }

    public boolean isMounted() {
        return !loopEnded.isDone();
    }

    /** Waits until the mount is gone (for instance by {@code fusermount -u} from the user). */
    public boolean awaitUnmounted(Duration timeout) throws InterruptedException {
        try {
            loopEnded.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return true;
        } catch (TimeoutException e) {
            return false;
        }
        return true;
    }

    /**
     * Unmounts and waits until the libfuse loop has ended. A busy mount (open files, a process
     * inside) throws {@link MountBusyException} and stays mounted unless {@code lazy}: then the
     * mount is detached now and goes away when the last user leaves.
     */
    public void unmount(boolean lazy) throws IOException {
        if (!isMounted()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(FusePrerequisites.fusermount(), "-u"));
        if (lazy) {
            cmd.add("-z");
        }
        cmd.add(mountPoint.toString());
        Exec.Result r = Exec.run(cmd, options.timeout());
        if (!r.ok() && isMounted()) {
            if (r.output().contains("busy")) {
                throw new MountBusyException(mountPoint + " is busy (files open or a process inside it): " + r.output());
            }
            throw new IOException("unmounting " + mountPoint + " failed: " + r.output());
        }
        if (lazy) {
            return; // detached; libfuse ends when the last open file is closed (see awaitUnmounted)
        }
        try {
            if (!awaitUnmounted(options.timeout())) {
                abort();
                throw new IOException("libfuse did not stop within " + options.timeout() + " after unmount; aborted the connection");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while unmounting");
        }
    }

    /**
     * Ends the FUSE connection from the kernel side (fusectl): every pending and future request
     * fails at once. Only done while the mount table still shows our connection at our path,
     * because connection ids are reused.
     */
    void abort() {
        try {
            Optional<MountTable.Mount> m = MountTable.ofThisProcess().find(mountPoint);
            if (m.isPresent() && m.get().isFuse() && (connectionId < 0 || m.get().minor() == connectionId)) {
                Path abortFile = Path.of("/sys/fs/fuse/connections", Integer.toString(m.get().minor()), "abort");
                if (Files.exists(abortFile)) {
                    Files.writeString(abortFile, "1");
                }
                Exec.run(List.of(FusePrerequisites.fusermount(), "-u", "-z", mountPoint.toString()), Duration.ofSeconds(10));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("nbd-fuse: could not abort the mount at " + mountPoint + ": " + e.getMessage());
        }
    }

    /** At JVM exit (both engines): the process is ending without an orderly unmount; detach. */
    private void unmountAtJvmExit() {
        if (isMounted()) {
            try {
                Exec.run(List.of(FusePrerequisites.fusermount(), "-u", "-z", mountPoint.toString()), Duration.ofSeconds(5));
            } catch (IOException e) {
                System.err.println("nbd-fuse: unmount at exit failed: " + e.getMessage());
            }
        }
    }

    /** Unmounts (not lazily); when that is refused or stuck, aborts the connection and detaches. */
    @Override
    public void close() throws IOException {
        try {
            unmount(false);
        } catch (IOException e) {
            abort();
            throw e;
        }
    }
}
