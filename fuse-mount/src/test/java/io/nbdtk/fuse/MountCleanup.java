package io.nbdtk.fuse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Test teardown of last resort: whatever state a test left its mount in, get rid of it, bounded.
 * Orderly unmount first; then lazy unmount; then abort through fusectl (only while the mount
 * table still shows a FUSE mount at that path, since connection ids are reused).
 */
final class MountCleanup {
    private MountCleanup() {}

    static void ensureUnmounted(Path mountPoint) {
        Path mp = mountPoint.toAbsolutePath().normalize();
        try {
            if (fuseMountAt(mp).isEmpty()) {
                return;
            }
            Exec.run(List.of(FusePrerequisites.fusermount(), "-u", mp.toString()), Duration.ofSeconds(10));
            if (fuseMountAt(mp).isEmpty()) {
                return;
            }
            Optional<MountTable.Mount> m = fuseMountAt(mp);
            if (m.isPresent()) {
                Path abort = Path.of("/sys/fs/fuse/connections", Integer.toString(m.get().minor()), "abort");
                if (Files.exists(abort)) {
                    Files.writeString(abort, "1");
                }
            }
            Exec.run(List.of("umount", "-l", mp.toString()), Duration.ofSeconds(10));
        } catch (Exception e) {
            System.err.println("cleanup of " + mp + " failed: " + e);
        }
    }

    static Optional<MountTable.Mount> fuseMountAt(Path mp) throws java.io.IOException {
        return MountTable.ofThisProcess().find(mp).filter(MountTable.Mount::isFuse);
    }
}
