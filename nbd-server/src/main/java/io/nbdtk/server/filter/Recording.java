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

    /** Notes the arrival of a request; returns the handle to pass to {@link #end}, or -1 when off. */
    public long begin(String export, long connection, long cookie, RequestKind command, long offset, long length, int flags) {
        long now = System.nanoTime();
        synchronized (lock) {
            if (!enabled) {
                return -1;
            }
            requests.add(new RecordedRequest(export, connection, cookie, command, offset, length, flags, null, seq++, -1,
                    now - epochNanos, -1));
            return requests.size() - 1;
        }
    }

    /** Notes the reply to the request {@code handle}; {@code error} is null for success. */
    public void end(long handle, String error) {
        long now = System.nanoTime();
        synchronized (lock) {
            if (handle < 0 || handle >= requests.size()) {
                return; // recorded before a clear()
            }
            int i = (int) handle;
            requests.set(i, requests.get(i).completedWith(error, seq++, now - epochNanos));
        }
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
