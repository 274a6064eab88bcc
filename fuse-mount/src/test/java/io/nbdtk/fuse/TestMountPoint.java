package io.nbdtk.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For tests that mount in this JVM: requires FUSE, gives each test an empty mount point, and after
 * the test closes what was mounted on it and makes sure nothing stays mounted there, whatever
 * state the test left it in.
 */
final class TestMountPoint implements BeforeEachCallback, AfterEachCallback {
    private Path dir;
    private Path path;
    private FuseMount mount;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        FuseTestSupport.requireFuse();
        dir = Files.createTempDirectory("nbd-fuse-test");
        path = Files.createDirectory(dir.resolve("mnt"));
    }

    Path path() {
        return path;
    }

    /** A directory beside the mount point, for paths that must not exist or not be a mount point. */
    Path scratch() {
        return dir;
    }

    FuseMount mount(List<ExportFile> files, MountOptions options) throws IOException {
        mount = FuseMount.mount(path, files, options);
        return mount;
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        if (mount != null) {
            try {
                mount.close();
            } catch (IOException e) {
                System.err.println("close: " + e);
            }
            mount = null;
        }
        if (path != null) {
            MountCleanup.ensureUnmounted(path);
            if (MountCleanup.fuseMountAt(path.toAbsolutePath()).isEmpty()) {
                Files.deleteIfExists(path);
                Files.deleteIfExists(dir);
            }
        }
    }
}
