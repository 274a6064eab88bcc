package io.nbdtk.server.filter;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Records every request and reply that passes a server (see {@link RecordedRequest}); the
 * testkit's assertions read it, the control channel exports it as JSON. Thread-safe.
 */
public final class Recording {
    private static final Gson GSON = new GsonBuilder().create();

    private final Object lock = new Object();
    private final List<RecordedRequest> requests = new ArrayList<>();
    private long epochNanos = System.nanoTime();
    private long seq;
    private boolean enabled = true;
    /** Bumped by clear(), and part of every handle, so a late reply never lands on a newer request. */
    private int generation;

    /** Notes the arrival of a request; returns the handle to pass to {@link #end}, or -1 when off. */
    public long begin(String export, long connection, long cookie, RequestKind command, long offset, long length, int flags) {
        long now = System.nanoTime();
        synchronized (lock) {
            if (!enabled) {
                return -1;
            }
            requests.add(new RecordedRequest(export, connection, cookie, command, offset, length, flags, null, seq++, -1,
                    now - epochNanos, -1));
            return ((long) generation << 32) | (requests.size() - 1);
        }
    }

    /**
     * Notes that the reply to {@code handle} is about to be sent: its place in the order of events
     * (before the client can react to it). Optional; {@link #end} alone works too.
     */
    public void replySent(long handle) {
        long now = System.nanoTime();
        synchronized (lock) {
            RecordedRequest r = live(handle);
            if (r != null && !r.completed()) {
                requests.set(index(handle), r.completedWith(null, seq++, now - epochNanos));
            }
        }
    }

    /** Notes the reply to the request {@code handle}; {@code error} is null for success. */
    public void end(long handle, String error) {
        long now = System.nanoTime();
        synchronized (lock) {
            RecordedRequest r = live(handle);
            if (r == null) {
                return;
            }
            requests.set(index(handle), r.completed()
                    ? r.completedWith(error, r.endSeq(), r.endNanos())
                    : r.completedWith(error, seq++, now - epochNanos));
        }
    }

    /** The request a handle names, or null for handles from before a clear(). */
    private RecordedRequest live(long handle) {
        if (handle < 0 || (int) (handle >>> 32) != generation || index(handle) >= requests.size()) {
            return null;
        }
        return requests.get(index(handle));
    }

    private static int index(long handle) {
        return (int) (handle & 0xFFFF_FFFFL);
    }

    /** Stops or resumes recording (recording is on from the start). */
    public void enable(boolean on) {
        synchronized (lock) {
            enabled = on;
        }
    }

    /** Forgets everything recorded so far and restarts the clock. */
    public void clear() {
        synchronized (lock) {
            requests.clear();
            generation = (generation + 1) & 0x7FFF_FFFF;
            seq = 0;
            epochNanos = System.nanoTime();
        }
    }

    /** A snapshot of the requests in order of arrival. */
    public List<RecordedRequest> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    /** The requests as a JSON array of objects with the fields of {@link RecordedRequest}. */
    public String toJson() {
        return toJson(requests());
    }

    public static String toJson(List<RecordedRequest> requests) {
        return GSON.toJson(requests);
    }

    /** Reads what {@link #toJson} wrote, sorted by arrival. */
    public static List<RecordedRequest> fromJson(String json) {
        try {
            List<RecordedRequest> list = GSON.fromJson(json, new TypeToken<List<RecordedRequest>>() {}.getType());
            List<RecordedRequest> sorted = new ArrayList<>(list == null ? List.of() : list);
            sorted.sort(Comparator.comparingLong(RecordedRequest::startSeq));
            return List.copyOf(sorted);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("not a recording: " + e.getMessage(), e);
        }
    }
}
