package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against fake cgroup trees: the real one would move the test JVM out of its group. */
class MemoryCgroupTest {
    @TempDir Path root;

    @Test
    void v1GroupIsCreatedBesideTheWritersAndLeftOnClose() throws Exception {
        Path memory = Files.createDirectories(root.resolve("memory/users/shell"));
        Files.writeString(root.resolve("memory/memory.limit_in_bytes"), "max");

        try (MemoryCgroup g = MemoryCgroup.enter(root, "/", "/users/shell", 4242)) {
            assertThat(g.group()).isEqualTo(root.resolve("memory/nbd-fuse-4242"));
            assertThat(Files.readString(g.group().resolve("cgroup.procs"))).isEqualTo("4242");
        }
        assertThat(Files.readString(memory.resolve("cgroup.procs"))).isEqualTo("4242");
    }

    @Test
    void v2IsUsedWhenTheUnifiedRootHasTheMemoryController() throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        try (MemoryCgroup g = MemoryCgroup.enter(root, "", "/", 7)) {
            assertThat(g.group()).isEqualTo(root.resolve("nbd-fuse-7"));
        }
    }

    @Test
    void noMemoryControllerIsReported() throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpu pids\n");
        assertThatThrownBy(() -> MemoryCgroup.enter(root, "", "/", 7)).hasMessageContaining("no memory cgroup controller");
    }

    @Test
    void currentGroupIsReadFromProcSelfCgroup() {
        assertThat(MemoryCgroup.currentGroup("9:name=systemd:/\n4:memory:/process_api/abc\n0::/\n"))
                .isEqualTo("/process_api/abc");
        assertThat(MemoryCgroup.currentGroup("0::/user.slice/session-1.scope\n")).isEqualTo("/user.slice/session-1.scope");
    }
}
