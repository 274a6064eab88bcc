package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountTableTest {
    @TempDir Path tmp;

    @Test
    void findsTheTopmostMountAndItsFuseConnection() throws Exception {
        Path info = tmp.resolve("mountinfo");
        Files.writeString(info, String.join("\n",
                "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
                "47 22 0:41 / /tmp/my\\040mnt rw,nosuid,nodev,relatime shared:5 - fuse.nbd-fuse nbd-fuse rw,user_id=0",
                "48 47 0:55 / /tmp/my\\040mnt rw,relatime - tmpfs tmpfs rw",
                "49 22 0:42 / /data rw - fuse /dev/fuse rw", ""));
        MountTable table = new MountTable(info);

        MountTable.Mount top = table.find(Path.of("/tmp/my mnt")).orElseThrow();
        assertThat(top.fsType()).isEqualTo("tmpfs"); // mounted over the FUSE mount
        assertThat(top.isFuse()).isFalse();
        MountTable.Mount data = table.find(Path.of("/data")).orElseThrow();
        assertThat(data.isFuse()).isTrue();
        assertThat(data.minor()).isEqualTo(42);
        assertThat(table.find(Path.of("/nowhere"))).isEmpty();
    }

    @Test
    void unescapesOctalSequencesOnly() {
        assertThat(MountTable.unescape("a\\040b\\011c\\134d")).isEqualTo("a b\tc\\d");
        assertThat(MountTable.unescape("trailing\\04")).isEqualTo("trailing\\04");
    }
}
