package io.nbdtk.server.acl;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Concurrent-connection limits: one for the whole server and one per export (the reference's
 * per-export {@code maxconnections}, counted per export rather than over all exports, see
 * reference issue #41). A slot is held by a {@link Permit} and given back exactly once when the
 * permit is closed, however the connection ends (reference issue #126 leaked slots).
 */
public final class ConnectionLimits {
    private final OptionalInt serverLimit;
    private final Map<String, Integer> active = new ConcurrentHashMap<>();
    private int serverActive;

    public ConnectionLimits(OptionalInt serverLimit) {
        this.serverLimit = serverLimit;
    }

    /** A slot on the server as a whole (taken at accept time); empty when the server is full. */
    public synchronized Optional<Permit> acceptConnection() {
        if (serverLimit.isPresent() && serverActive >= serverLimit.getAsInt()) {
            return Optional.empty();
        }
        serverActive++;
        return Optional.of(new Permit(this::releaseServer));
    }

    /** A slot on {@code export} (taken when a client selects it); empty when that export is full. */
    public synchronized Optional<Permit> useExport(String export, OptionalInt exportLimit) {
        int n = active.getOrDefault(export, 0);
        if (exportLimit.isPresent() && n >= exportLimit.getAsInt()) {
            return Optional.empty();
        }
        active.put(export, n + 1);
        return Optional.of(new Permit(() -> releaseExport(export)));
    }

    public synchronized int serverConnections() {
        return serverActive;
    }

    public synchronized int exportConnections(String export) {
        return active.getOrDefault(export, 0);
    }

    private synchronized void releaseServer() {
        serverActive--;
    }

    private synchronized void releaseExport(String export) {
        active.computeIfPresent(export, (k, v) -> v <= 1 ? null : v - 1);
    }

    /** A held slot; closing it (any number of times) gives the slot back once. */
    public static final class Permit implements AutoCloseable {
        private final Runnable release;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(Runnable release) {
            this.release = release;
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                release.run();
            }
        }
    }
}
