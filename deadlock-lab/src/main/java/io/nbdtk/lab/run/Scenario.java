package io.nbdtk.lab.run;

import java.util.Locale;

/** What the writer writes to. */
public enum Scenario {
    /** ext4 on a loop device whose backing file is the FUSE file (the reference reproduction). */
    LOOP_EXT4,
    /** A buffered dd straight onto the FUSE file. */
    FUSE_FILE;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Scenario parse(String s) {
        for (Scenario v : values()) {
            if (v.cliName().equals(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + s + "' (known: loop-ext4, fuse-file)");
    }
}
