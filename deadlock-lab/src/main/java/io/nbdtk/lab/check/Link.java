package io.nbdtk.lab.check;

import java.util.LinkedHashMap;
import java.util.Map;

/** One step of a storage chain: a mount, a block device, a file, a FUSE connection, a process. */
public record Link(String kind, String label) {

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("label", label);
        return m;
    }

    /** Block layers between a filesystem and a daemon: their dirty page cache is flushed through it. */
    public boolean isBlockLayer() {
        return kind.equals("loop") || kind.equals("dm") || kind.equals("md") || kind.equals("nbd");
    }

    @Override
    public String toString() {
        return label;
    }
}
