package io.nbdtk.lab.check;

import io.nbdtk.lab.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The result of {@code deadlock-lab check}: findings as text or JSON, and the exit code. */
public record CheckReport(List<Finding> findings) {
    public static final int EXIT_SAFE = 0;
    public static final int EXIT_HAZARD = 1;

    public List<Finding> unmitigated() {
        return findings.stream().filter(f -> !f.mitigated()).toList();
    }

    /** 1 when at least one writable chain ends at an unprotected local daemon, else 0. */
    public int exitCode() {
        return unmitigated().isEmpty() ? EXIT_SAFE : EXIT_HAZARD;
    }

    public String toText() {
        if (findings.isEmpty()) {
            return "no writable mount depends on a userland daemon on this machine\n";
        }
        StringBuilder b = new StringBuilder();
        for (Finding f : findings) {
            b.append(f.mitigated() ? "MITIGATED " : "HAZARD ").append(f.severity()).append("  ")
                    .append(f.mountPoint()).append('\n');
            b.append("  chain: ").append(f.chainText()).append('\n');
            for (Protection p : f.processes()) {
                b.append("  ").append(p.role()).append(' ').append(p.comm()).append(" (pid ").append(p.pid())
                        .append("): memcg ").append(p.memcg().map(c -> "v" + c.version() + " " + c.path()
                                + (c.limitBytes().isPresent() ? " limit " + (c.limitBytes().getAsLong() >> 20) + " MiB"
                                        : " unlimited")
                                + ", " + c.procs().size() + " processes").orElse("none"))
                        .append("; protected by: ")
                        .append(p.measures().isEmpty() ? "nothing" : String.join(", ", p.measures())).append('\n');
            }
            b.append("  advice: ").append(f.advice()).append("\n\n");
        }
        b.append(unmitigated().size()).append(" unmitigated of ").append(findings.size()).append(" chain(s)\n");
        return b.toString();
    }

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hazard", exitCode() == EXIT_HAZARD);
        m.put("findings", findings.stream().map(Finding::toJson).toList());
        return Json.write(m);
    }
}
