package io.nbdtk.testkit;

import io.nbdtk.server.filter.FaultRule;
import io.nbdtk.server.filter.FaultSpec;
import io.nbdtk.server.filter.RecordedRequest;
import io.nbdtk.server.filter.Recording;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Faults and recording of a server reached over its control channel
 * ({@code nbd-server --control HOST:PORT}, see {@code io.nbdtk.server.control.ControlServer}).
 */
final class ControlClient implements FaultControl {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String host;
    private final int port;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    ControlClient(String host, int port) {
        this.host = host;
        this.port = port;
        this.base = URI.create("http://" + host + ":" + port);
    }

    @Override
    public void set(List<FaultRule> rules) {
        call("PUT", "/faults", FaultSpec.format(rules));
    }

    @Override
    public void add(FaultRule... rules) {
        call("POST", "/faults", FaultSpec.format(Arrays.asList(rules)));
    }

    @Override
    public void clear() {
        call("DELETE", "/faults", null);
    }

    @Override
    public List<FaultRule> rules() {
        return FaultSpec.parse(call("GET", "/faults", null));
    }

    @Override
    public void release(String gate) {
        call("POST", "/gates/" + gate + "/release", null);
    }

    @Override
    public int stalled(String gate) {
        return Integer.parseInt(call("GET", "/gates/" + gate, null).trim());
    }

    List<RecordedRequest> requests() {
        return Recording.fromJson(call("GET", "/recording", null));
    }

    /** Forgets the recording ({@link #clear()} is about the faults). */
    void clearRecording() {
        call("DELETE", "/recording", null);
    }

    /** A view of this client as {@link Traffic}, whose {@code clear} forgets the recording. */
    Traffic traffic() {
        return new Traffic() {
            @Override
            public List<RecordedRequest> requests() {
                return ControlClient.this.requests();
            }

            @Override
            public void clear() {
                clearRecording();
            }
        };
    }

    boolean reaches(String h, int p) {
        return host.equals(h) && port == p;
    }

    private String call(String method, String path, String body) {
        HttpRequest req = HttpRequest.newBuilder(base.resolve(path))
                .timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 400) {
                throw new IllegalArgumentException(r.body());
            }
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException("control channel " + base + " failed on " + method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted talking to " + base, e);
        }
    }
}
