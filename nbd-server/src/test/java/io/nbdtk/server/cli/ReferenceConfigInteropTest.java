package io.nbdtk.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nbdtk.server.NbdServer;
import io.nbdtk.server.interop.ExternalProcess;
import io.nbdtk.testing.Prerequisites;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One config file, served first by the C reference nbd-server and then by ours: the same exports
 * under the same names, the same sizes and flags (where the reference is not knowingly quirky),
 * the same bytes.
 */
class ReferenceConfigInteropTest {
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Not export-size: the reference answers INFO (which nbdinfo uses) with size 0; the copies compare sizes. */
    static final List<String> COMPARED = List.of("is_read_only", "can_flush", "can_fua", "can_trim",
            "can_multi_conn", "is_rotational");

    @TempDir
    Path dir;

    @Test
    void theReferenceServerAndOursServeTheSameExportsFromOneConfigFile() throws Exception {
        Path cServer = Prerequisites.tool("nbd-server", "nbd-server");
        Path nbdinfo = Prerequisites.tool("nbdinfo", "libnbd-bin");
        Path nbdcopy = Prerequisites.tool("nbdcopy", "libnbd-bin");
        Path socket = dir.resolve("nbd.sock");
        Path disk = dir.resolve("disk.img");
        byte[] data = new byte[3 << 20];
        new Random(11).nextBytes(data);
        Files.write(disk, data);
        Path config = dir.resolve("config");
        Files.writeString(config, "# shared by the C nbd-server and nbdtk\n"
                + "[generic]\n"
                + "    unixsock = " + socket + "\n"
                + "    allowlist = true\n"
                + "[plain]\n"
                + "    exportname = " + disk + "\n"
                + "    flush = true\n"
                + "    fua = true\n"
                + "    trim = true\n"
                + "[golden]\n"
                + "    exportname = " + disk + "\n"
                + "    readonly = true\n"
                + "    rotational = true\n"
                + "[overlay]\n"
                + "    exportname = " + disk + "\n"
                + "    copyonwrite = true\n"
                + "    cowdir = " + dir + "\n");
        List<String> exports = List.of("plain", "golden", "overlay");

        Map<String, Map<String, String>> referenceInfo = new LinkedHashMap<>();
        Map<String, byte[]> referenceData = new LinkedHashMap<>();
        for (String e : exports) {
            // In the foreground (-d) the reference serves a single client, so it is started per client.
            try (ExternalProcess c = startReference(cServer, config, socket)) {
                referenceInfo.put(e, onceListening(() -> info(nbdinfo, socket, e)));
            }
            try (ExternalProcess c = startReference(cServer, config, socket)) {
                referenceData.put(e, onceListening(() -> copy(nbdcopy, socket, e)));
            }
        }

        Files.deleteIfExists(socket);
        NbdServerCommand cmd = new NbdServerCommand(new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        new CommandLine(cmd).parseArgs("--config", config.toString());
        NbdServer ours = cmd.start();
        try {
            for (String e : exports) {
                assertThat(info(nbdinfo, socket, e)).as(e).isEqualTo(referenceInfo.get(e));
                assertThat(copy(nbdcopy, socket, e)).as(e).isEqualTo(referenceData.get(e)).isEqualTo(data);
            }
        } finally {
            ours.close();
        }
    }

    private ExternalProcess startReference(Path cServer, Path config, Path socket) throws Exception {
        Files.deleteIfExists(socket);
        ExternalProcess c = ExternalProcess.start(List.of(cServer.toString(), "-C", config.toString(), "-d"),
                dir.resolve("c-server-" + System.nanoTime() + ".log"));
        await().atMost(TIMEOUT).until(() -> Files.exists(socket) || !c.process.isAlive());
        assertThat(c.process.isAlive()).as("C nbd-server: %s", c.output()).isTrue();
        return c;
    }

    /**
     * The socket file appears at bind(), a moment before listen(): a client refused in between
     * was never accepted, so trying again cannot use up the reference's single foreground client.
     */
    private static <T> T onceListening(java.util.concurrent.Callable<T> client) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.call();
            } catch (AssertionError e) {
                if (attempt == 5 || !String.valueOf(e.getMessage()).contains("Connection refused")) {
                    throw e;
                }
            }
        }
    }

    private Map<String, String> info(Path nbdinfo, Path socket, String export) throws Exception {
        String json = ExternalProcess.run(List.of(nbdinfo.toString(), "--json",
                "nbd+unix:///" + export + "?socket=" + socket), dir.resolve("info-" + System.nanoTime() + ".log"), TIMEOUT);
        Map<String, String> fields = new LinkedHashMap<>();
        for (String key : COMPARED) {
            Matcher m = Pattern.compile("\"" + key + "\": ([^,\\n]+)").matcher(json);
            fields.put(key, m.find() ? m.group(1).trim() : "(missing)");
        }
        return fields;
    }

    /** One connection: the reference in the foreground serves one client at a time. */
    private byte[] copy(Path nbdcopy, Path socket, String export) throws Exception {
        Path out = dir.resolve(export + "-" + System.nanoTime() + ".img");
        ExternalProcess.run(List.of(nbdcopy.toString(), "--connections=1", "nbd+unix:///" + export + "?socket=" + socket, out.toString()),
                dir.resolve("copy-" + System.nanoTime() + ".log"), TIMEOUT);
        byte[] b = Files.readAllBytes(out);
        Files.delete(out);
        return b;
    }
}
