package io.nbdtk.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * The JRE image the server image is built on. In order: the system property
 * {@code nbdtk.testkit.baseImage}, the environment variable {@code NBDTK_BASE_IMAGE}, the key
 * {@code nbdtk.testkit.baseImage} in {@code ~/.testcontainers.properties} (written by
 * {@code ci/setup-docker}, which builds a local image where no registry is reachable), else
 * {@link #DEFAULT}.
 */
public final class BaseImage {
    public static final String DEFAULT = "eclipse-temurin:17-jre";
    public static final String PROPERTY = "nbdtk.testkit.baseImage";
    public static final String ENVIRONMENT = "NBDTK_BASE_IMAGE";

    private BaseImage() {}

    public static String resolve() {
        return resolve(System.getProperties(), System.getenv(),
                Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
    }

    static String resolve(Properties system, Map<String, String> env, Path testcontainersProperties) {
        String v = system.getProperty(PROPERTY);
        if (blank(v)) {
            v = env.get(ENVIRONMENT);
        }
        if (blank(v) && Files.isRegularFile(testcontainersProperties)) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(testcontainersProperties)) {
                p.load(in);
                v = p.getProperty(PROPERTY);
            } catch (IOException e) {
                v = null; // unreadable: fall through to the default as if absent
            }
        }
        return blank(v) ? DEFAULT : v.trim();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
