package io.nbdtk.server.os;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.Runtime;

/**
 * Loads libc through jnr-ffi once. Everything native in nbdtk goes through this package, and
 * every caller can ask {@link #status()} why a call is unavailable instead of crashing.
 */
public final class Native {
    private static final Native INSTANCE = load();

    private final LibC libc;
    private final Runtime runtime;
    private final String status;

    private Native(LibC libc, Runtime runtime, String status) {
        this.libc = libc;
        this.runtime = runtime;
        this.status = status;
    }

    private static Native load() {
        try {
            if (Platform.getNativePlatform().getOS() != Platform.OS.LINUX) {
                return new Native(null, null, "unavailable: not Linux ("
                        + Platform.getNativePlatform().getOS() + ")");
            }
            LibC libc = LibraryLoader.create(LibC.class).load("c");
            return new Native(libc, Runtime.getRuntime(libc), "available");
        } catch (Throwable t) { // UnsatisfiedLinkError, missing jffi stub for this CPU, ...
            return new Native(null, null, "unavailable: " + t);
        }
    }

    public static Native get() {
        return INSTANCE;
    }

    public boolean available() {
        return libc != null;
    }

    /** "available", or "unavailable: reason". */
    public String status() {
        return status;
    }

    LibC libc() {
        if (libc == null) {
            throw new IllegalStateException("native calls " + status);
        }
        return libc;
    }

    jnr.ffi.Runtime runtime() {
        return runtime;
    }

    int lastErrno() {
        return runtime.getLastError();
    }

    String describe(int errno) {
        try {
            return libc.strerror(errno) + " (errno " + errno + ")";
        } catch (RuntimeException e) {
            return "errno " + errno;
        }
    }
}
