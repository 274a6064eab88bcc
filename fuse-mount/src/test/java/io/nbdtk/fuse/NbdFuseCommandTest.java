package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** The command line: version, usage errors, the local guard, list and info against nbdkit. */
class NbdFuseCommandTest {
    @TempDir Path tmp;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private Nbdkit server;

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private int run(String... args) {
        CommandLine cl = NbdFuseCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void versionNamesTheToolAndTheRelease() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString().trim()).isEqualTo("nbd-fuse (nbdtk) 0.1.0");
    }

    @Test
    void helpListsTheOptionsAndSubcommands() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("--readonly", "--allow-local-rw", "--connections", "--pidfile",
                "--lazy-unmount", "list", "info");
    }

    @Test
    void missingMountPointIsAUsageError() {
        assertThat(run("nbd://example.invalid/x")).isEqualTo(2);
        assertThat(err.toString()).contains("expected URI MOUNTPOINT");
    }

    @Test
    void demoTakesOnlyTheMountPointAndASaneSize() {
        assertThat(run("--demo", "nbd://x/y", tmp.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--demo takes only MOUNTPOINT");
        assertThat(run("--demo", "--demo-size", "lots", tmp.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("not a size");
    }

    @Test
    void localReadWriteMountIsRefusedWithExitStatusTwo() throws Exception {
        server = new Nbdkit(tmp.resolve("s"), "memory", "1M").start();
        Path mp = Files.createDirectory(tmp.resolve("mnt"));
        assertThat(run(server.uri(), mp.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("refusing a read-write mount", "Unix socket", "--allow-local-rw");
        assertThat(MountCleanup.fuseMountAt(mp)).isEmpty();
    }

    @Test
    void anUnreachableServerIsOneLineAndExitStatusOne() throws Exception {
        Path mp = Files.createDirectory(tmp.resolve("mnt"));
        assertThat(run("-r", "nbd+unix:///?socket=" + tmp.resolve("nothing-here"), mp.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("nbd-fuse: ").doesNotContain("\tat ");
        assertThat(MountCleanup.fuseMountAt(mp)).isEmpty();
    }

    @Test
    void listAndInfoDescribeTheExports() throws Exception {
        server = new Nbdkit(tmp.resolve("s"), "memory", "3M").start();
        assertThat(run("list", server.uri())).isZero();
        assertThat(out.toString()).startsWith("default\t3145728\t");

        out.getBuffer().setLength(0);
        assertThat(run("info", server.uri(), "--json")).isZero();
        assertThat(out.toString()).contains("\"size\": 3145728", "\"read_only\": false", "\"can_trim\": true",
                "\"local_server\": true", "\"file\": \"default\"");
    }
}
