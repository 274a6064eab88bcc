package io.nbdtk.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.NbdServer;
import io.nbdtk.testing.Prerequisites;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class NbdServerCommandTest {
    @TempDir
    Path dir;

    @Test
    void version_prints_the_product_line() {
        StringWriter out = new StringWriter();
        CommandLine cl = NbdServerCommand.commandLine(new NbdServerCommand());
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("--version")).isZero();
        assertThat(out.toString().trim()).isEqualTo("nbd-server (nbdtk) 0.1.0");
    }

    @Test
    void help_lists_every_option() {
        StringWriter out = new StringWriter();
        CommandLine cl = NbdServerCommand.commandLine(new NbdServerCommand());
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("--help")).isZero();
        assertThat(out.toString()).contains("--listen", "--unix", "--export", "--max-payload", "--filter",
                "memory:SIZE", "readonly");
    }

    @Test
    void a_bad_export_spec_is_reported_in_one_line_with_exit_code_1() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        NbdServerCommand cmd = new NbdServerCommand(new PrintStream(err, true, StandardCharsets.UTF_8));
        CommandLine cl = NbdServerCommand.commandLine(cmd);
        assertThat(cl.execute("--listen", "127.0.0.1:0", "--export", "x=disk:1G")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("nbd-server: export spec must be memory:SIZE or file:PATH");
    }

    @Test
    void start_binds_every_listener_and_prints_parseable_addresses() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        NbdServerCommand cmd = new NbdServerCommand(new PrintStream(err, true, StandardCharsets.UTF_8));
        Path sock = dir.resolve("s.sock");
        // IPv6 loopback is an environment property, not a tool CI could install: listen on it when present
        boolean ipv6 = java.net.NetworkInterface.networkInterfaces().anyMatch(n -> n.inetAddresses()
                .anyMatch(a -> a instanceof java.net.Inet6Address && a.isLoopbackAddress()));
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--listen", "127.0.0.1:0",
                "--unix", sock.toString(),
                "--export", "a=memory:1M,readonly,description=first, with comma", "--export",
                "b=file:" + dir.resolve("b.img") + ",size=2M", "--max-payload", "1M",
                "--filter", "delay:write=1ms", "--filter", "error:error=ENOSPC,rate=0,ops=write"));
        if (ipv6) {
            args.addAll(java.util.List.of("--listen", "[::1]:0"));
        }
        new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        NbdServer server = cmd.start();
        try {
            String log = err.toString(StandardCharsets.UTF_8);
            assertThat(log).containsPattern("nbd-server: listening on 127\\.0\\.0\\.1:\\d+")
                    .contains("nbd-server: listening on unix:" + sock);
            if (ipv6) {
                assertThat(log).containsPattern("nbd-server: listening on \\[0:0:0:0:0:0:0:1\\]:\\d+");
            }
            assertThat(server.export("a").readOnly()).isTrue();
            assertThat(server.export("a").description()).isEqualTo("first, with comma");
            assertThat(server.export("b").size()).isEqualTo(2 << 20);
            assertThat(Files.size(dir.resolve("b.img"))).isEqualTo(2 << 20);
        } finally {
            server.close();
        }
    }

    @Test
    void the_command_serves_nbdinfo_and_stops_cleanly_on_sigterm() throws Exception {
        Path nbdinfo = Prerequisites.tool("nbdinfo", "libnbd-bin");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("server.log");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                NbdServerCommand.class.getName(), "--listen", "127.0.0.1:0", "--export", "d=memory:8M")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Pattern listening = Pattern.compile("nbd-server: listening on 127\\.0\\.0\\.1:(\\d+)");
            int port = Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                Matcher m = listening.matcher(Files.readString(log));
                return m.find() ? Integer.parseInt(m.group(1)) : -1;
            }, v -> v > 0);
            Process info = new ProcessBuilder(nbdinfo.toString(), "--size", "nbd://127.0.0.1:" + port + "/d")
                    .redirectErrorStream(true).start();
            assertThat(info.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim())
                    .isEqualTo(String.valueOf(8 << 20));
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(log)).contains("nbd-server: stopping");
        } finally {
            p.destroyForcibly();
        }
    }
}
