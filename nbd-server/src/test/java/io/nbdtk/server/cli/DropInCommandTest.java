package io.nbdtk.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.server.NbdServer;
import io.nbdtk.server.acl.OptionProbe;
import io.nbdtk.server.filter.Op;
import io.nbdtk.server.interop.ExternalProcess;
import io.nbdtk.testing.Prerequisites;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code nbd-server --config FILE}: reference config files served end to end, checked with libnbd tools. */
class DropInCommandTest {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    Path socket;
    Path base;
    byte[] baseData;
    NbdServer server;
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    @BeforeEach
    void files() throws Exception {
        socket = dir.resolve("nbd.sock");
        base = dir.resolve("base.img");
        baseData = new byte[1 << 20];
        new Random(3).nextBytes(baseData);
        Files.write(base, baseData);
        Files.createDirectory(dir.resolve("cow"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void serve(String exports, String... moreArgs) throws Exception {
        Path config = dir.resolve("config");
        Files.writeString(config, "[generic]\nunixsock = " + socket + "\nallowlist = true\n" + exports);
        NbdServerCommand cmd = new NbdServerCommand(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        // -C, the reference server's spelling, so start-up scripts carry over
        List<String> args = new java.util.ArrayList<>(List.of("-C", config.toString()));
        args.addAll(List.of(moreArgs));
        new CommandLine(cmd).parseArgs(args.toArray(new String[0]));
        server = cmd.start();
    }

    /** Starts the server from command-line flags only (no config file). */
    private void serveCli(String... args) throws Exception {
        NbdServerCommand cmd = new NbdServerCommand(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        new CommandLine(cmd).parseArgs(args);
        server = cmd.start();
    }

    private String uri(String export) {
        return "nbd+unix:///" + export + "?socket=" + socket;
    }

    private String nbdinfo(String export) throws Exception {
        Path nbdinfo = Prerequisites.tool("nbdinfo", "libnbd-bin");
        return ExternalProcess.run(List.of(nbdinfo.toString(), "--json", uri(export)),
                dir.resolve("nbdinfo-" + System.nanoTime() + ".log"), TIMEOUT);
    }

    private byte[] copyOut(String export) throws Exception {
        Path nbdcopy = Prerequisites.tool("nbdcopy", "libnbd-bin");
        Path out = dir.resolve("out-" + System.nanoTime() + ".img");
        ExternalProcess.run(List.of(nbdcopy.toString(), uri(export), out.toString()),
                dir.resolve("nbdcopy-" + System.nanoTime() + ".log"), TIMEOUT);
        return Files.readAllBytes(out);
    }

    private String nbdsh(String export, String python) throws Exception {
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/python3")), "/usr/bin/python3 with the nbd module"
                + " (apt-get install python3-libnbd)");
        return ExternalProcess.run(List.of("/usr/bin/python3", "-m", "nbd", "-u", uri(export), "-c", python),
                dir.resolve("nbdsh-" + System.nanoTime() + ".log"), TIMEOUT);
    }

    @Test
    void servesAPlainExportWithTheConfiguredFlags() throws Exception {
        serve("[disk]\nexportname = " + base + "\nflush = true\nfua = true\ntrim = true\n"
                + "[ro]\nexportname = " + base + "\nreadonly = true\n");

        String disk = nbdinfo("disk");
        assertThat(disk).contains("\"export-size\": 1048576", "\"can_flush\": true", "\"can_fua\": true",
                "\"can_trim\": true", "\"can_multi_conn\": true", "\"is_read_only\": false");
        String ro = nbdinfo("ro");
        assertThat(ro).contains("\"is_read_only\": true", "\"can_flush\": false", "\"can_fua\": false");
        assertThat(copyOut("ro")).isEqualTo(baseData);
    }

    @Test
    void flushAndFuaFollowTheReferenceDefaultsOff() throws Exception {
        serve("[disk]\nexportname = " + base + "\n");

        assertThat(nbdinfo("disk")).contains("\"can_flush\": false", "\"can_fua\": false", "\"can_trim\": false");
    }

    @Test
    void copyOnWriteKeepsTheBaseAndEachConnectionPrivate() throws Exception {
        for (String sparse : new String[] {"false", "true"}) {
            serve("[cow]\nexportname = " + base + "\ncopyonwrite = true\nsparse_cow = " + sparse
                    + "\ncowdir = " + dir.resolve("cow") + "\nflush = true\n");

            assertThat(nbdinfo("cow")).contains("\"can_multi_conn\": false", "\"is_read_only\": false");
            String out = nbdsh("cow", "h.pwrite(b'\\xab' * 6000, 8000); "
                    + "assert h.pread(6000, 8000) == b'\\xab' * 6000; h.flush(); print('wrote')");
            assertThat(out).contains("wrote");
            // the connection's private overlay still counts into the export's statistics
            assertThat(server.export("cow").stats().snapshot(Op.WRITE).bytes()).isEqualTo(6000);
            assertThat(copyOut("cow")).as("sparse_cow=" + sparse).isEqualTo(baseData);
            assertThat(Files.readAllBytes(base)).isEqualTo(baseData);
            try (var leftovers = Files.list(dir.resolve("cow"))) {
                assertThat(leftovers).isEmpty();
            }
            server.close();
            server = null;
        }
    }

    @Test
    void temporaryExportsAreFreshPerConnectionAndLeaveNothingBehind() throws Exception {
        Path scratch = Files.createDirectory(dir.resolve("scratch"));
        serve("[tmp]\nexportname = " + scratch.resolve("t") + "\ntemporary = true\nfilesize = 2097152\n");

        assertThat(nbdinfo("tmp")).contains("\"export-size\": 2097152", "\"can_multi_conn\": false");
        nbdsh("tmp", "h.pwrite(b'\\x01' * 512, 0)");
        assertThat(copyOut("tmp")).containsOnly(0);
        try (var leftovers = Files.list(scratch)) {
            assertThat(leftovers).isEmpty();
        }
    }

    @Test
    void filesizeCreatesAMissingFile() throws Exception {
        Path created = dir.resolve("created.img");
        serve("[new]\nexportname = " + created + "\nfilesize = 3145728\n");

        nbdsh("new", "h.pwrite(b'\\x07' * 4096, 4096)");

        assertThat(Files.size(created)).isEqualTo(3145728);
        assertThat(Files.readAllBytes(created)[4096]).isEqualTo((byte) 7);
    }

    @Test
    void warnsAboutIgnoredReferenceKeysAtStartUp() throws Exception {
        serve("[disk]\nexportname = " + base + "\nprerun = /bin/true\n");

        assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("warning").contains("config:6")
                .contains("prerun");
    }

    @Test
    void aBadConfigFileIsRefusedWithFileLineAndKey() throws Exception {
        Path config = dir.resolve("config");
        Files.writeString(config, "[generic]\nunixsock = " + socket + "\n[disk]\nexportname = " + base
                + "\nreadonly = maybe\n");
        NbdServerCommand cmd = new NbdServerCommand(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        new CommandLine(cmd).parseArgs("--config", config.toString());

        assertThatThrownBy(cmd::start).hasMessageContaining(config + ":5: key 'readonly'");
        assertThat(Files.exists(socket)).isFalse();
    }

    @Test
    void aConfigExportAndTheSameExportGivenAsCliFlagsLookTheSame() throws Exception {
        serve("[fromconfig]\nexportname = " + base + "\nflush = true\nfua = true\ntrim = true\n",
                "--export", "fromcli=file:" + base, "--unix", socket.toString());

        String config = nbdinfo("fromconfig").replaceAll("fromconfig", "NAME");
        String cli = nbdinfo("fromcli").replaceAll("fromcli", "NAME");
        assertThat(config).isEqualTo(cli);
        assertThat(copyOut("fromconfig")).isEqualTo(copyOut("fromcli")).isEqualTo(baseData);
    }

    @Test
    void copyOnWriteGivenAsCliFlagsLeavesTheBaseFileUntouched() throws Exception {
        serveCli("--unix", socket.toString(), "--export",
                "cow=file:" + base + ",copyonwrite,sparse_cow,cowdir=" + dir.resolve("cow"));

        String out = nbdsh("cow", "h.pwrite(b'\\xcd' * 4096, 65536); "
                + "assert h.pread(4096, 65536) == b'\\xcd' * 4096; h.flush(); print('wrote')");

        assertThat(out).contains("wrote");
        assertThat(nbdinfo("cow")).contains("\"can_multi_conn\": false", "\"is_read_only\": false");
        assertThat(Files.readAllBytes(base)).isEqualTo(baseData);
        assertThat(copyOut("cow")).isEqualTo(baseData);
        try (var leftovers = Files.list(dir.resolve("cow"))) {
            assertThat(leftovers).isEmpty();
        }
    }

    @Test
    void authfileGivenAsCliFlagRefusesAnUnlistedClientWithErrPolicy() throws Exception {
        Path allow = dir.resolve("allow");
        Files.writeString(allow, "192.0.2.0/24\n");
        serveCli("--listen", "127.0.0.1:0", "--export", "secret=memory:1M,authfile=" + allow,
                "--export", "open=memory:1M");
        InetSocketAddress address = (InetSocketAddress) server.addresses().get(0);

        try (OptionProbe p = new OptionProbe(address).greet()) {
            assertThat(p.go("secret")).isEqualTo(OptionProbe.ERR_POLICY);
        }
        try (OptionProbe p = new OptionProbe(address).greet()) {
            assertThat(p.go("open")).isEqualTo(OptionProbe.REP_ACK);
        }
        Files.writeString(allow, "127.0.0.1\n");
        try (OptionProbe p = new OptionProbe(address).greet()) {
            assertThat(p.go("secret")).isEqualTo(OptionProbe.REP_ACK);
        }
    }

    @Test
    void tlsOnlyAndMaxConnectionsGivenAsCliFlagsAreEnforced() throws Exception {
        serveCli("--listen", "127.0.0.1:0", "--export", "hidden=memory:1M,tlsonly",
                "--export", "one=memory:1M,maxconnections=1,timeout=60");
        InetSocketAddress address = (InetSocketAddress) server.addresses().get(0);

        try (OptionProbe p = new OptionProbe(address).greet()) {
            // no TLS configured at all: the export can never be reached, which is a policy refusal
            assertThat(p.go("hidden")).isEqualTo(OptionProbe.ERR_POLICY);
        }
        try (OptionProbe first = new OptionProbe(address).greet()) {
            assertThat(first.go("one")).isEqualTo(OptionProbe.REP_ACK);
            try (OptionProbe second = new OptionProbe(address).greet()) {
                assertThat(second.go("one")).isEqualTo(OptionProbe.ERR_POLICY);
            }
        }
    }

    @Test
    void temporaryGivenAsCliFlagsServesAFreshFilePerConnection() throws Exception {
        Path scratch = Files.createDirectory(dir.resolve("scratch"));
        serveCli("--unix", socket.toString(), "--export", "tmp=file:" + scratch.resolve("t") + ",temporary,filesize=2M");

        assertThat(nbdinfo("tmp")).contains("\"export-size\": 2097152", "\"can_multi_conn\": false");
        nbdsh("tmp", "h.pwrite(b'\\x01' * 512, 0)");
        assertThat(copyOut("tmp")).containsOnly(0);
        try (var leftovers = Files.list(scratch)) {
            assertThat(leftovers).isEmpty();
        }
    }

    @Test
    void aConfigCopyOnWriteExportAndItsCliFlagsServeTheSame() throws Exception {
        serve("[fromconfig]\nexportname = " + base + "\ncopyonwrite = true\nflush = true\nfua = true\ntrim = true\n",
                "--export", "fromcli=file:" + base + ",copyonwrite", "--unix", socket.toString());

        String config = nbdinfo("fromconfig").replaceAll("fromconfig", "NAME");
        String cli = nbdinfo("fromcli").replaceAll("fromcli", "NAME");
        assertThat(config).isEqualTo(cli);
    }
}
