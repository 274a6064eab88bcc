package io.nbdtk.fuse;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;

import sun.misc.Signal;

/**
 * SIGINT and SIGTERM unmount the mount (awaited) instead of killing the JVM: a killed daemon
 * leaves a dead mount ("Transport endpoint is not connected") behind. A busy mount stays mounted
 * and says so, unless lazy unmounting was asked for. The process then ends because the mount did.
 */
final class SignalUnmount {
    private SignalUnmount() {}

    static void install(FuseMount mount, boolean lazy, PrintWriter err) {
        AtomicBoolean busy = new AtomicBoolean();
        Signal.handle(new Signal("INT"), s -> unmountAsync(mount, lazy, err, s.getName(), busy));
        Signal.handle(new Signal("TERM"), s -> unmountAsync(mount, lazy, err, s.getName(), busy));
    }

    /** One unmount at a time: a signal that arrives while one runs (e.g. Ctrl-C twice) is dropped. */
    private static void unmountAsync(FuseMount mount, boolean lazy, PrintWriter err, String signal, AtomicBoolean busy) {
        if (!mount.isMounted() || !busy.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                err.println("nbd-fuse: SIG" + signal + ": unmounting " + mount.mountPoint());
                mount.unmount(lazy);
            } catch (MountBusyException e) {
                err.println("nbd-fuse: not unmounted: " + e.getMessage()
                        + "; close the files and signal again, or run with --lazy-unmount");
            } catch (IOException e) {
                err.println("nbd-fuse: unmount failed: " + e.getMessage());
            } finally {
                busy.set(false);
            }
        }, "nbd-fuse-unmount");
        t.setDaemon(true);
        t.start();
    }
}
