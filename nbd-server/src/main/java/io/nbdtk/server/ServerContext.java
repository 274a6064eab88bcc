package io.nbdtk.server;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/** What every connection of one server shares. */
final class ServerContext {
    /** Option data above this is answered ERR_TOO_BIG (drained); far above it, the peer is dropped. */
    static final int MAX_OPTION_LENGTH = 64 * 1024;
    static final int MAX_DRAINED_OPTION = 1 << 20;

    /** Insertion order: the first is the default export. Replaced whole (never mutated) on reload. */
    volatile Map<String, Export> exports;
    final long maxPayload;
    final int maxInFlight;
    final HandshakePolicy policy;
    final RequestHook hook;
    final ExecutorService workers;
    final BufferPool buffers = new BufferPool();
    volatile boolean shuttingDown;

    ServerContext(Map<String, Export> exports, long maxPayload, int maxInFlight, HandshakePolicy policy,
            ExecutorService workers, RequestHook hook) {
        this.exports = exports;
        this.maxPayload = maxPayload;
        this.maxInFlight = maxInFlight;
        this.policy = policy;
        this.hook = hook;
        this.workers = workers;
    }

    /** The export for a requested name; "" means the default (an export named "", else the first). */
    Export lookup(String name) {
        Map<String, Export> current = exports;
        Export e = current.get(name);
        if (e == null && name.isEmpty() && !current.isEmpty()) {
            e = current.values().iterator().next();
        }
        return e;
    }

    Collection<Export> all() {
        return exports.values();
    }
}
