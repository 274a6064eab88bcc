package io.nbdtk.server.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.NbdServer;
import io.nbdtk.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** libnbd's Python bindings (what nbdsh runs) script zero, trim, cache, block status and FUA checks. */
class NbdshInteropTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String SCRIPT = """
            import errno, sys, nbd
            h = nbd.NBD()
            h.add_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
            h.connect_uri(sys.argv[1])
            assert h.can_zero() and h.can_trim() and h.can_cache() and h.can_fua() and h.can_fast_zero()
            assert h.can_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
            assert h.get_structured_replies_negotiated()
            M = 65536
            def status(flags=0):
                got = []
                def cb(ctx, offset, entries, err):
                    if ctx == nbd.CONTEXT_BASE_ALLOCATION:
                        got.extend(entries)
                    return 0
                h.block_status(1 << 20, 0, cb, flags)
                return got
            assert status()[:2] == [1 << 20, 3], status()
            h.pwrite(b'\\xab' * M, M, nbd.CMD_FLAG_FUA)
            assert h.pread(M, M) == b'\\xab' * M
            assert status()[:6] == [M, 3, M, 0, (1 << 20) - 2 * M, 3], status()
            assert status(nbd.CMD_FLAG_REQ_ONE) == [M, 3], status(nbd.CMD_FLAG_REQ_ONE)
            h.cache(M, M)
            h.zero(M, M)
            assert h.pread(M, M) == bytes(M)
            assert status()[:2] == [1 << 20, 3], status()
            h.pwrite(b'\\x01' * M, 2 * M)
            h.trim(M, 2 * M, nbd.CMD_FLAG_FUA)
            assert h.pread(M, 2 * M) == bytes(M)
            try:
                h.zero(M, 0, nbd.CMD_FLAG_NO_HOLE | nbd.CMD_FLAG_FAST_ZERO)
                raise AssertionError('fast zero without holes should fail')
            except nbd.Error as e:
                assert e.errnum == errno.ENOTSUP, e
            h.zero(M, 0, nbd.CMD_FLAG_NO_HOLE)
            h.flush()
            try:
                h.pread(10, (64 << 20) - 5)
                raise AssertionError('read past the end should fail')
            except nbd.Error as e:
                assert e.errnum == errno.EINVAL, e
            h.shutdown()
            print('nbdsh checks passed')
            """;

    @TempDir
    Path dir;
    NbdServer server;

    @BeforeEach
    void start() throws Exception {
        Prerequisites.require(Files.isExecutable(PYTHON), "/usr/bin/python3 (apt-get install python3-libnbd)");
        Prerequisites.require(Tool.run(30, PYTHON.toString(), "-c", "import nbd").exitCode() == 0,
                "libnbd Python bindings for /usr/bin/python3 (apt-get install python3-libnbd)");
        server = InteropServer.start(dir);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void scripted_zero_trim_cache_block_status_and_fua() throws Exception {
        Path script = dir.resolve("checks.py");
        Files.writeString(script, SCRIPT);
        String out = Tool.run(60, PYTHON.toString(), script.toString(), InteropServer.uri(server, "disk")).ok().output();
        assertThat(out).contains("nbdsh checks passed");
    }

    @Test
    void nbdsh_command_line_reads_what_it_wrote_over_a_unix_socket() throws Exception {
        String out = Tool.run(60, PYTHON.toString(), "-m", "nbd", "-u", InteropServer.unixUri(dir, "disk"),
                "-c", "h.pwrite(b'hello', 4096)",
                "-c", "print(h.pread(5, 4096).decode())",
                "-c", "print(h.get_size())").ok().output();
        assertThat(out).contains("hello", String.valueOf(64 << 20));
    }
}
