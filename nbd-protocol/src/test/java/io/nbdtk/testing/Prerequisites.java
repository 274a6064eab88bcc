package io.nbdtk.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Test prerequisites (peer tools, FUSE, Docker, root). In CI ({@code CI=true}) a missing one fails
 * the test, because a silently skipped interop test proves nothing; on a developer machine the
 * test is skipped with a message that names what is missing and how to get it.
 *
 * <p>Shared with the other modules through this module's test-jar.
 */
public final class Prerequisites {
    private Prerequisites() {}

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Fails (CI) or skips (elsewhere) unless {@code present}; {@code what} names the need and the fix. */
    public static void require(boolean present, String what) {
        if (!present && inCi()) {
            fail("CI=true but a prerequisite is missing: " + what);
        }
        assumeTrue(present, () -> "skipped, prerequisite missing: " + what);
    }

    /** The executable {@code name} on PATH (or an absolute path), required as above. */
    public static Path tool(String name, String debianPackage) {
        Optional<Path> found = findTool(name);
        require(found.isPresent(), "'" + name + "' not on PATH (apt-get install " + debianPackage
                + ", or run ci/setup)");
        return found.orElseThrow();
    }

    public static Optional<Path> findTool(String name) {
        if (name.contains("/")) {
            Path p = Path.of(name);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
