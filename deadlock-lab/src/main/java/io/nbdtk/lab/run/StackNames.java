package io.nbdtk.lab.run;

import java.util.List;

/** The stacks the lab can build, by command-line name. */
public final class StackNames {
    private StackNames() {}

    public static List<String> known() {
        return List.of(PeerStack.NAME, NbdtkStack.NAME);
    }

    public static Stack byName(String name) {
        if (name.equals(PeerStack.NAME) || name.equals("nbdkit")) {
            return new PeerStack();
        }
        if (name.equals(NbdtkStack.NAME)) {
            return new NbdtkStack(NbdtkStack.defaultHome());
        }
        throw new IllegalArgumentException("unknown stack '" + name + "' (known: " + String.join(", ", known()) + ")");
    }
}
