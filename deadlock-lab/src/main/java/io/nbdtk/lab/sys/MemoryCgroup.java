package io.nbdtk.lab.sys;

import java.util.List;
import java.util.OptionalLong;

/**
 * The memory cgroup a process is charged to. {@code limitBytes} is empty when unlimited; v1 has
 * no min/low protection, so {@code protectedBytes} is then empty too.
 */
public record MemoryCgroup(int version, String path, OptionalLong limitBytes, OptionalLong protectedBytes,
        List<Integer> procs) {

    public boolean isRoot() {
        return path.equals("/");
    }
}
