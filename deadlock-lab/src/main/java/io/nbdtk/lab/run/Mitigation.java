package io.nbdtk.lab.run;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/** Ways to break (or only soften) the cycle; combinable. */
public enum Mitigation {
    /** Server and FUSE daemon in their own memory cgroup, never shared with the writer (measured fix). */
    SEPARATE_CGROUP("separate-cgroup"),
    /** mlockall(MCL_CURRENT|MCL_FUTURE) in the daemons that support it. */
    MLOCKALL("mlockall"),
    /** PR_SET_IO_FLUSHER on the daemons (needs CAP_SYS_RESOURCE). */
    IO_FLUSHER("io-flusher"),
    /** losetup --direct-io=on: the loop device bypasses the page cache of the FUSE file. */
    LOOP_DIRECT_IO("loop-dio"),
    /** FOPEN_DIRECT_IO on the FUSE file. */
    FUSE_DIRECT_IO("fuse-direct-io");

    private final String cliName;

    Mitigation(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** Parses "none" or a comma list such as "separate-cgroup,mlockall". */
    public static Set<Mitigation> parse(String text) {
        EnumSet<Mitigation> out = EnumSet.noneOf(Mitigation.class);
        if (text == null || text.isBlank() || text.equals("none")) {
            return out;
        }
        for (String part : text.split(",")) {
            String want = part.trim();
            boolean found = false;
            for (Mitigation m : values()) {
                if (m.cliName().equals(want)) {
                    out.add(m);
                    found = true;
                }
            }
            if (!found) {
                throw new IllegalArgumentException("unknown mitigation '" + want + "' (known: none, "
                        + EnumSet.allOf(Mitigation.class).stream().map(Mitigation::cliName).collect(Collectors.joining(", ")) + ")");
            }
        }
        return out;
    }

    public static String describe(Set<Mitigation> set) {
        return set.isEmpty() ? "none" : set.stream().map(Mitigation::cliName).collect(Collectors.joining(","));
    }
}
