package io.nbdtk.server.config;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.nbdtk.server.Export;
import io.nbdtk.server.filter.Op;
import io.nbdtk.server.filter.OpStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Per-export statistics (requests, bytes, errors, latency) from each export's stats filter, as
 * log lines (SIGUSR1, shutdown) and as a JSON file ({@code --stats-json}). Connections with a
 * private store (copy-on-write, temporary) count into their export's figures too.
 */
public final class StatsReport {
    private StatsReport() {}

    /** One line per export and operation that saw requests. */
    public static List<String> lines(Collection<Export> exports) {
        List<String> out = new ArrayList<>();
        for (Export e : exports) {
            for (Map.Entry<Op, OpStats.Snapshot> entry : e.stats().snapshot().entrySet()) {
                OpStats.Snapshot s = entry.getValue();
                if (s.requests() == 0) {
                    continue;
                }
                out.add(String.format("export '%s' %s: %d requests, %d bytes, %d errors, mean %.1f us, p50 <= %d us,"
                        + " p99 <= %d us", e.name(), entry.getKey().name().toLowerCase(java.util.Locale.ROOT),
                        s.requests(), s.bytes(), s.errors(), s.meanMicros(), s.quantileMicrosUpperBound(0.5),
                        s.quantileMicrosUpperBound(0.99)));
            }
        }
        return out;
    }

    /** {@code {"time":..., "exports": {NAME: {OP: {requests, bytes, errors, mean_us, p50_us, p99_us, histogram}}}}}. */
    public static String json(Collection<Export> exports) {
        JsonObject root = new JsonObject();
        root.addProperty("time", Instant.now().toString());
        JsonObject all = new JsonObject();
        for (Export e : exports) {
            JsonObject ops = new JsonObject();
            for (Map.Entry<Op, OpStats.Snapshot> entry : e.stats().snapshot().entrySet()) {
                OpStats.Snapshot s = entry.getValue();
                JsonObject op = new JsonObject();
                op.addProperty("requests", s.requests());
                op.addProperty("bytes", s.bytes());
                op.addProperty("errors", s.errors());
                op.addProperty("mean_us", Math.round(s.meanMicros() * 10) / 10.0);
                op.addProperty("p50_us", s.quantileMicrosUpperBound(0.5));
                op.addProperty("p99_us", s.quantileMicrosUpperBound(0.99));
                JsonObject histogram = new JsonObject(); // bucket upper bound (us) -> count, non-empty buckets
                long[] h = s.histogram();
                for (int i = 0; i < h.length; i++) {
                    if (h[i] > 0) {
                        histogram.addProperty("lt_" + (1L << i) + "_us", h[i]);
                    }
                }
                op.add("histogram", histogram);
                ops.add(entry.getKey().name().toLowerCase(java.util.Locale.ROOT), op);
            }
            all.add(e.name(), ops);
        }
        root.add("exports", all);
        return new GsonBuilder().setPrettyPrinting().create().toJson(root);
    }

    /** Writes the JSON atomically (temp file + rename), so readers never see half a file. */
    public static void writeJson(Collection<Export> exports, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, json(exports), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
