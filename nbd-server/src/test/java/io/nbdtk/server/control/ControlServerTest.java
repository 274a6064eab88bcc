package io.nbdtk.server.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.filter.FaultInjector;
import io.nbdtk.server.filter.Recording;
import io.nbdtk.server.filter.RequestKind;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ControlServerTest {
    private final FaultInjector faults = new FaultInjector();
    private final Recording recording = new Recording();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ControlServer server;

    @BeforeEach
    void start() throws Exception {
        server = ControlServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), faults, recording);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void setsReadsAddsAndClearsFaults() throws Exception {
        assertThat(call("GET", "/health", null).body()).isEqualTo("ok");
        assertThat(call("PUT", "/faults", "error=EIO,ops=read").statusCode()).isEqualTo(204);
        assertThat(call("POST", "/faults", "delay=5ms").statusCode()).isEqualTo(204);
        assertThat(call("GET", "/faults", null).body()).isEqualTo("error=EIO,ops=read\ndelay=5ms");
        assertThat(faults.onRequest(1, RequestKind.READ, 0, 1).outcome()).isNotNull();
        assertThat(call("DELETE", "/faults", null).statusCode()).isEqualTo(204);
        assertThat(faults.rules()).isEmpty();
    }

    @Test
    void aBadSpecIsRefusedWithTheReason() throws Exception {
        HttpResponse<String> r = call("PUT", "/faults", "error=EBADF");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("EBADF");
        assertThat(call("GET", "/nothing", null).statusCode()).isEqualTo(404);
    }

    @Test
    void releasesGates() throws Exception {
        call("PUT", "/faults", "stall=g");
        FaultInjector.Decision d = faults.onRequest(1, RequestKind.WRITE, 0, 1);
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> faults.await(d));
        org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS)
                .until(() -> call("GET", "/gates/g", null).body().equals("1"));
        assertThat(call("POST", "/gates/g/release", null).statusCode()).isEqualTo(204);
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void exportsAndClearsTheRecording() throws Exception {
        recording.end(recording.begin("disk", 1, 5, RequestKind.TRIM, 0, 4096, 0), null);
        String json = call("GET", "/recording", null).body();
        assertThat(Recording.fromJson(json)).isEqualTo(recording.requests());
        call("DELETE", "/recording", null);
        assertThat(recording.requests()).isEmpty();
    }
}
