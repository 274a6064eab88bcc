package io.nbdtk.client;

import io.nbdtk.protocol.Command;
import io.nbdtk.protocol.ErrorChunk;
import io.nbdtk.protocol.Extent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** One request in flight on a connection, and what its reply chunks have delivered so far. */
final class Pending {
    final Command command;
    final long offset;
    final long length;
    /** READ only: where the data goes ({@code length} bytes from position 0). */
    final ByteBuffer destination;
    final CompletableFuture<Object> future = new CompletableFuture<>();
    /** Complete on the reader thread (true for internal waits) or hand over to the executor. */
    final boolean direct;
    final long startNanos = System.nanoTime();
    /** Set once the reply is complete (before the future, which may complete on another thread). */
    volatile boolean answered;

    ErrorChunk error;
    /** READ: [start, end) ranges relative to offset, covered by data or hole chunks (reader thread only). */
    List<long[]> covered;
    /** BLOCK_STATUS: context name to extents (reader thread only). */
    Map<String, List<Extent>> extents;

    Pending(Command command, long offset, long length, ByteBuffer destination, boolean direct) {
        this.command = command;
        this.offset = offset;
        this.length = length;
        this.destination = destination;
        this.direct = direct;
    }

    void cover(long start, long end) {
        if (covered == null) {
            covered = new ArrayList<>(2);
        }
        covered.add(new long[] {start, end});
    }

    void addExtents(String context, List<Extent> list) {
        if (extents == null) {
            extents = new HashMap<>();
        }
        extents.put(context, list);
    }

    String describe() {
        return "NBD_CMD_" + command + "(offset=" + Long.toUnsignedString(offset) + ", length="
                + Long.toUnsignedString(length) + ")";
    }
}
