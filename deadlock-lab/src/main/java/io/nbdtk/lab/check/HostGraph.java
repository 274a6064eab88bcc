package io.nbdtk.lab.check;

import io.nbdtk.lab.json.Json;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The machine-level read-write dependency graph of several snapshots: {@code A -> B} when a
 * writable mount on A is served from an address of B on a port B listens on. A strongly connected
 * component of more than one machine is the "A uses B read-write while B uses A" loop; a machine
 * with unmitigated local chains is a loop of one.
 */
public final class HostGraph {
    /** One dependency, with the mount that creates it. */
    public record Edge(String from, String to, String mountPoint, String address, int port) {}

    private final List<HostSnapshot> hosts;
    private final List<Edge> edges = new ArrayList<>();

    public HostGraph(List<HostSnapshot> hosts) {
        this.hosts = hosts;
        for (HostSnapshot a : hosts) {
            for (Remote r : a.remotes()) {
                for (HostSnapshot b : hosts) {
                    if (b != a && b.addresses().contains(HostSnapshot.normal(r.address()))
                            && b.listeningPorts().contains(r.port())) {
                        edges.add(new Edge(a.host(), b.host(), r.mountPoint(), r.address(), r.port()));
                    }
                }
            }
        }
    }

    public List<Edge> edges() {
        return edges;
    }

    /** Cycles: SCCs of two or more machines, and single machines with local hazards. */
    public List<List<String>> cycles() {
        List<List<String>> out = new ArrayList<>();
        for (List<String> scc : tarjan()) {
            if (scc.size() > 1) {
                out.add(scc);
            }
        }
        for (HostSnapshot h : hosts) {
            if (h.localHazards() > 0) {
                out.add(List.of(h.host()));
            }
        }
        return out;
    }

    private List<List<String>> tarjan() {
        Map<String, List<String>> next = new LinkedHashMap<>();
        hosts.forEach(h -> next.put(h.host(), new ArrayList<>()));
        edges.forEach(e -> next.get(e.from()).add(e.to()));
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new LinkedHashSet<>();
        List<List<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String v : next.keySet()) {
            if (!index.containsKey(v)) {
                strongConnect(v, next, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private void strongConnect(String v, Map<String, List<String>> next, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<List<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]++);
        stack.push(v);
        onStack.add(v);
        for (String w : next.get(v)) {
            if (!index.containsKey(w)) {
                strongConnect(w, next, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> scc = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                scc.add(w);
            } while (!w.equals(v));
            out.add(scc);
        }
    }

    public String toText() {
        StringBuilder b = new StringBuilder();
        for (Edge e : edges) {
            b.append(e.from()).append(" -> ").append(e.to()).append("  (").append(e.mountPoint()).append(" via ")
                    .append(e.address()).append(':').append(e.port()).append(")\n");
        }
        List<List<String>> cycles = cycles();
        if (cycles.isEmpty()) {
            b.append("no read-write dependency cycle among ").append(hosts.size()).append(" machine(s)\n");
        }
        for (List<String> c : cycles) {
            b.append(c.size() == 1 ? "HAZARD local loop on " + c.get(0) + " (see its check)\n"
                    : "HAZARD cycle of read-write mounts: " + String.join(" -> ", c) + " -> " + c.get(0) + "\n");
        }
        return b.toString();
    }

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hazard", !cycles().isEmpty());
        m.put("edges", edges.stream().map(e -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("from", e.from());
            x.put("to", e.to());
            x.put("mountPoint", e.mountPoint());
            x.put("address", e.address());
            x.put("port", e.port());
            return (Object) x;
        }).toList());
        m.put("cycles", cycles());
        return Json.write(m);
    }
}
