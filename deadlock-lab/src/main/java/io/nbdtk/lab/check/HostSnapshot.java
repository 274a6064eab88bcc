package io.nbdtk.lab.check;

import io.nbdtk.lab.json.Json;
import io.nbdtk.lab.json.JsonReader;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code check --snapshot} records about one machine, enough to merge machines into one
 * read-write dependency graph: its addresses and listening ports, how many local chains are
 * unmitigated, and which writable mounts depend on which remote address and port.
 */
public record HostSnapshot(String host, List<String> addresses, List<Integer> listeningPorts, int localHazards,
        List<Remote> remotes) {

    public static HostSnapshot of(String host, Collection<InetAddress> addresses,
            Collection<Integer> ports, CheckReport report, List<Remote> remotes) {
        return new HostSnapshot(host, addresses.stream().map(InetAddress::getHostAddress).toList(),
                List.copyOf(ports), report.unmitigated().size(), List.copyOf(remotes));
    }

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", host);
        m.put("addresses", addresses);
        m.put("listeningPorts", listeningPorts);
        m.put("localHazards", localHazards);
        List<Object> r = new ArrayList<>();
        for (Remote x : remotes) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("mountPoint", x.mountPoint());
            e.put("address", x.address());
            e.put("port", x.port());
            r.add(e);
        }
        m.put("remoteWritable", r);
        return Json.write(m);
    }

    @SuppressWarnings("unchecked")
    public static HostSnapshot parse(String json) {
        Map<String, Object> m = (Map<String, Object>) JsonReader.parse(json);
        List<Remote> remotes = new ArrayList<>();
        for (Object o : (List<Object>) m.getOrDefault("remoteWritable", List.of())) {
            Map<String, Object> e = (Map<String, Object>) o;
            remotes.add(new Remote((String) e.get("mountPoint"), normal((String) e.get("address")),
                    ((Double) e.get("port")).intValue()));
        }
        return new HostSnapshot((String) m.get("host"),
                ((List<Object>) m.getOrDefault("addresses", List.of())).stream().map(a -> normal((String) a)).toList(),
                ((List<Object>) m.getOrDefault("listeningPorts", List.of())).stream().map(p -> ((Double) p).intValue())
                        .toList(),
                ((Double) m.getOrDefault("localHazards", 0.0)).intValue(), remotes);
    }

    /** One spelling per address, so "::1" and "0:0:0:0:0:0:0:1" match. */
    static String normal(String literal) {
        try {
            return InetAddress.getByName(literal).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return literal;
        }
    }
}
