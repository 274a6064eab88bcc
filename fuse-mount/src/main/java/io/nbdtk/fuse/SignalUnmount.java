package io.nbdtk.fuse;

import java.io.IOException;
import java.io.PrintStream;

import sun.misc.Signal;

/**
 * SIGINT and SIGTERM unmount the mount (awaited) instead of killing the JVM: a killed daemon
 * leaves a dead mount ("Transport endpoint is not connected") behind. A busy mount stays mounted
 * and says so, unless lazy unmounting was asked for. The process then ends because the mount did.
 */
final class SignalUnmount {
    private SignalUnmount() {}

    static void install(FuseMount mount, boolean lazy, PrintStream err) {
        Signal.handle(new Signal("INT"), s -> unmountAsync(mount, lazy, err, s.getName()));
        Signal.handle(new Signal("TERM"), s -> unmountAsync(mount, lazy, err, s.getName()));
    }

    private static void unmountAsync(FuseMount mount, boolean lazy, PrintStream err, String signal) {
        Thread t = new Thread(() -> {
            try {
                err.println("nbd-fuse: SIG" + signal + ": unmounting " + mount.mountPoint());
                mount.unmount(lazy);
            } catch (MountBusyException e) {
                err.println("nbd-fuse: not unmounted: " + e.getMessage()
                        + "; close the files and signal again, or run with --lazy-unmount");
            } catch (IOException e) {
                err.println("nbd-fuse: unmount failed: " + e.getMessage());
            }
        }, "nbd-fuse-unmount");
        t.setDaemon(true);
        t.start();
    }
}
