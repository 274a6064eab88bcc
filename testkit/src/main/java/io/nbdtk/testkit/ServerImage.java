package io.nbdtk.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The image {@link NbdServerContainer} runs: the server's runnable jar on a JRE base image
 * ({@link BaseImage}). Built once by Testcontainers and kept, under a tag derived from the jar's
 * content and the base image name, so a rebuilt server gives a new image and an unchanged one
 * is reused without even sending it to the engine.
 */
final class ServerImage {
    static final String REPOSITORY = "nbdtk/nbd-server";
    static final String JAR_PROPERTY = "nbdtk.testkit.serverJar";
    static final String JAR_IN_IMAGE = "/nbd/nbd-server.jar";

    private ServerImage() {}

    /** The image name to run, building the image first when it is not there yet. */
    static String resolve(Path jar, String baseImage) {
        String name = REPOSITORY + ":" + tag(jar, baseImage);
        if (!exists(name)) {
            // deleteOnExit=false: the image is the cache; its tag changes whenever its inputs do.
            ImageFromDockerfile build = new ImageFromDockerfile(name, false)
                    .withFileFromPath("nbd-server.jar", jar)
                    .withDockerfileFromBuilder(b -> b.from(baseImage)
                            .copy("nbd-server.jar", JAR_IN_IMAGE)
                            .workDir("/data") // file exports live here (WORKDIR creates it; the image has no shell)
                            .entryPoint("java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", JAR_IN_IMAGE)
                            .build());
            build.get();
        }
        return name;
    }

    /** The server jar: the system property {@value #JAR_PROPERTY}, else the one beside the server classes. */
    static Path jar() {
        String configured = System.getProperty(JAR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException(JAR_PROPERTY + "=" + configured
                        + " does not exist (build nbd-server first: mvn -pl nbd-server package)");
            }
            return p;
        }
        try {
            // In a Maven build the server classes live in nbd-server/target/classes (or its jar),
            // and the shaded runnable jar is nbd-server/target/nbd-server.jar beside them.
            Path classes = Path.of(io.nbdtk.server.filter.FaultInjector.class.getProtectionDomain().getCodeSource()
                    .getLocation().toURI());
            Path candidate = classes.getParent().resolve("nbd-server.jar");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            throw new IllegalStateException("no server jar at " + candidate + "; set -D" + JAR_PROPERTY
                    + "=/path/to/nbd-server.jar");
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String tag(Path jar, String baseImage) {
        try (InputStream in = Files.newInputStream(jar)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(baseImage.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update((byte) 0);
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read server jar " + jar, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean exists(String name) {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(name).exec();
            return true;
        } catch (RuntimeException e) {
            return false; // NotFoundException, or anything else: building will tell the real story
        }
    }
}
