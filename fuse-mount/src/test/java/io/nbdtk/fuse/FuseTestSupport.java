package io.nbdtk.fuse;

import java.nio.file.Files;
import java.nio.file.Path;

import io.nbdtk.testing.Prerequisites;

/** Prerequisites shared by the tests that really mount. */
final class FuseTestSupport {
    private FuseTestSupport() {}

    static void requireFuse() {
        Prerequisites.require(Files.exists(Path.of("/dev/fuse")), "/dev/fuse (FUSE kernel module: modprobe fuse)");
        Prerequisites.require(Files.isReadable(Path.of("/dev/fuse")) && Files.isWritable(Path.of("/dev/fuse")),
                "read/write access to /dev/fuse");
        Prerequisites.tool("fusermount", "fuse");
    }
}
