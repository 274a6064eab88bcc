package io.nbdtk.server.control;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nbdtk.server.filter.FaultInjector;
import io.nbdtk.server.filter.FaultSpec;
import io.nbdtk.server.filter.Recording;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The side channel through which a test steers the faults and reads the recording of a server
 * it cannot reach in-process (a server in a container): a tiny HTTP endpoint on
 * {@code nbd-server --control HOST:PORT}. Faults travel in their text form ({@link FaultSpec}),
 * recordings as JSON ({@link Recording#toJson}).
 *
 * <pre>
 *   GET    /health                  200 "ok"
 *   GET    /faults                  the rules in text form
 *   PUT    /faults                  replace the rules with the body (400 with the reason if bad)
 *   POST   /faults                  add the rules in the body
 *   DELETE /faults                  remove every rule, release every stall
 *   GET    /gates/NAME              how many requests wait at gate NAME
 *   POST   /gates/NAME/release      open gate NAME
 *   GET    /recording               the recorded requests as JSON
 *   DELETE /recording               forget them
 * </pre>
 *
 * There is no authentication: bind it to loopback or to a container's private network only.
 */
public final class ControlServer implements AutoCloseable {
    private final HttpServer http;
    private final ExecutorService executor;
    private final FaultInjector faults;
    private final Recording recording;
    private final Runnable settle;

    private ControlServer(HttpServer http, FaultInjector faults, Recording recording, Runnable settle) {
        this.http = http;
        this.faults = faults;
        this.recording = recording;
        this.settle = settle;
        // Requests are tiny; a daemon thread pool keeps a forgotten control server from holding the JVM.
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "nbd-control");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", this::handle);
    }

    /** Starts serving on {@code address} (port 0 picks a free port). */
    public static ControlServer start(InetSocketAddress address, FaultInjector faults, Recording recording)
            throws IOException {
        return start(address, faults, recording, () -> { });
    }

    /**
     * As above; {@code settle} runs before each recording snapshot (the server's instrumentation
     * waits there for replies already on their way, so the snapshot shows what clients saw).
     */
    public static ControlServer start(InetSocketAddress address, FaultInjector faults, Recording recording,
            Runnable settle) throws IOException {
        ControlServer s = new ControlServer(HttpServer.create(address, 16), faults, recording, settle);
        s.http.start();
        return s;
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            try {
                route(ex, method, path, body);
            } catch (IllegalArgumentException e) {
                send(ex, 400, "text/plain", e.getMessage());
            }
        }
    }

    private void route(HttpExchange ex, String method, String path, String body) throws IOException {
        String[] parts = path.replaceAll("^/+|/+$", "").split("/");
        String head = parts[0];
        if (head.equals("health") && method.equals("GET")) {
            send(ex, 200, "text/plain", "ok");
        } else if (head.equals("faults") && parts.length == 1) {
            switch (method) {
                case "GET": send(ex, 200, "text/plain", FaultSpec.format(faults.rules())); break;
                case "PUT": faults.set(FaultSpec.parse(body)); send(ex, 204, null, null); break;
                case "POST": FaultSpec.parse(body).forEach(faults::add); send(ex, 204, null, null); break;
                case "DELETE": faults.clear(); send(ex, 204, null, null); break;
                default: send(ex, 405, "text/plain", method + " not allowed on /faults");
            }
        } else if (head.equals("gates") && parts.length == 2 && method.equals("GET")) {
            send(ex, 200, "text/plain", Integer.toString(faults.stalled(parts[1])));
        } else if (head.equals("gates") && parts.length == 3 && parts[2].equals("release") && method.equals("POST")) {
            faults.release(parts[1]);
            send(ex, 204, null, null);
        } else if (head.equals("recording") && parts.length == 1 && method.equals("GET")) {
            settle.run();
            send(ex, 200, "application/json", recording.toJson());
        } else if (head.equals("recording") && parts.length == 1 && method.equals("DELETE")) {
            recording.clear();
            send(ex, 204, null, null);
        } else {
            send(ex, 404, "text/plain", "no " + method + " " + path);
        }
    }

    private static void send(HttpExchange ex, int status, String type, String text) throws IOException {
        if (text == null) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
