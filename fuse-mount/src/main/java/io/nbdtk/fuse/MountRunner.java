package io.nbdtk.fuse;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One nbd-fuse run, after the command line is parsed: guard against local read-write mounts,
 * apply the mitigations, connect, mount, say "ready", serve until unmounted (by a signal or by
 * {@code fusermount -u}), then close everything.
 */
final class MountRunner {
    /** What the command line decided. */
    record Settings(boolean readOnly, boolean allowLocalRw, boolean directIo, boolean lazyUnmount, boolean lockMemory,
            List<String> fuseOptions, Path cgroupRoot, String cgroupParent, Path pidFile, boolean verbose,
            FuseEngine engine) {
        Settings {
            fuseOptions = List.copyOf(fuseOptions);
        }

        /** With the default engine. */
        Settings(boolean readOnly, boolean allowLocalRw, boolean directIo, boolean lazyUnmount, boolean lockMemory,
                List<String> fuseOptions, Path cgroupRoot, String cgroupParent, Path pidFile, boolean verbose) {
            this(readOnly, allowLocalRw, directIo, lazyUnmount, lockMemory, fuseOptions, cgroupRoot, cgroupParent,
                    pidFile, verbose, MountOptions.defaults().engine());
        }
    }

    static final int EXIT_OK = 0;
    static final int EXIT_REFUSED = 2;

    private final Settings s;
    private final PrintWriter out;
    private final PrintWriter err;

    MountRunner(Settings settings, PrintWriter out, PrintWriter err) {
        this.s = settings;
        this.out = out;
        this.err = err;
    }

    /** {@code safeByConstruction}: the caller (--demo) takes the local read-write case on itself. */
    int run(ExportSource source, Path mountPoint, boolean safeByConstruction) throws IOException, InterruptedException {
        Locality where = source.locality();
        Optional<String> refusal = LoopbackGuard.refusal(where, s.readOnly(), s.allowLocalRw() || safeByConstruction);
        if (refusal.isPresent()) {
            err.println("nbd-fuse: " + refusal.get());
            return EXIT_REFUSED;
        }
        boolean mitigate = LoopbackGuard.needed(where, s.readOnly());
        try (LoopbackGuard guard = new LoopbackGuard()) {
            if (mitigate) {
                // before the first NBD or FUSE thread exists, so that they inherit IO_FLUSHER
                guard.applyBeforeConnecting(s.cgroupRoot(), s.cgroupParent());
                guard.directIo();
            }
            List<ExportFile> files = source.open();
            MountOptions options = MountOptions.defaults().withReadOnly(s.readOnly())
                    .withDirectIo(s.directIo() || mitigate).withExtraOptions(s.fuseOptions())
                    .withEngine(s.engine());
            try (FuseMount mount = FuseMount.mount(mountPoint, files, options)) {
                if (mitigate) {
                    if (s.lockMemory()) {
                        guard.lockMemory();
                    }
                    err.println("nbd-fuse: " + where.reason() + "; mounted read-write with these mitigations:");
                    guard.report().forEach(m -> err.println("  " + m));
                }
                SignalUnmount.install(mount, s.lazyUnmount(), err);
                announce(source, files, mount);
                if (s.pidFile() != null) { // last: scripts that wait for it may use the files at once
                    writePidFile(s.pidFile());
                }
                mount.awaitUnmounted(Duration.ofDays(365_000));
                if (s.verbose()) {
                    err.println("nbd-fuse: unmounted " + mount.mountPoint());
                }
            } finally {
                for (ExportFile f : files) {
                    f.device().close();
                }
                if (s.pidFile() != null) {
                    Files.deleteIfExists(s.pidFile());
                }
            }
        }
        return EXIT_OK;
    }

    /** Written whole or not at all (a rename), so a waiting script never reads an empty file. */
    private static void writePidFile(Path pidFile) throws IOException {
        Path abs = pidFile.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.writeString(tmp, ProcessHandle.current().pid() + "\n");
        Files.move(tmp, abs, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private void announce(ExportSource source, List<ExportFile> files, FuseMount mount) {
        for (int i = 0; i < files.size(); i++) {
            ExportFile f = files.get(i);
            boolean ro = s.readOnly() || f.device().isReadOnly();
            out.println("nbd-fuse: ready: " + mount.files().get(i) + " (" + f.device().size() + " bytes, "
                    + (ro ? "read-only" : "read-write") + ") from " + source.describe());
        }
        out.println("nbd-fuse: unmount with Ctrl-C, kill " + ProcessHandle.current().pid() + " or 'fusermount -u "
                + mount.mountPoint() + "'");
        out.flush();
    }
}
