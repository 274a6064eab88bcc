package io.nbdtk.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a mount needs from the machine, checked up front so the error says exactly what is missing. */
final class FusePrerequisites {
    private static final Path DEV_FUSE = Path.of("/dev/fuse");

    private FusePrerequisites() {}

    static void check(Path mountPoint) throws IOException {
        if (!Files.isDirectory(mountPoint)) {
            throw new IOException("mount point " + mountPoint + " is not an existing directory");
        }
        if (!Files.exists(DEV_FUSE)) {
            throw new IOException("/dev/fuse is missing: load the fuse kernel module (modprobe fuse) or, in a"
                    + " container, pass --device /dev/fuse --cap-add SYS_ADMIN");
        }
        if (!Files.isReadable(DEV_FUSE) || !Files.isWritable(DEV_FUSE)) {
            throw new IOException("/dev/fuse is not readable and writable for this user (chmod 0666 /dev/fuse,"
                    + " as most distributions ship it)");
        }
        if (!isRoot() && fusermountPath() == null) {
            throw new IOException("fusermount is not installed (apt-get install fuse3 or fuse): an ordinary"
                    + " user needs it to mount");
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** fusermount from libfuse2 (or fuse3's fusermount3, which unmounts the same way). */
    static String fusermount() {
        String p = fusermountPath();
        return p == null ? "fusermount" : p;
    }

    private static String fusermountPath() {
        for (String c : new String[] {"/usr/bin/fusermount", "/bin/fusermount", "/usr/bin/fusermount3", "/bin/fusermount3"}) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        return null;
    }
}
