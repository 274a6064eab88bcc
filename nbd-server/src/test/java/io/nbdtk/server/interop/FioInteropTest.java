package io.nbdtk.server.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.NbdServer;
import io.nbdtk.testing.Prerequisites;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fio's nbd engine writes with checksums, then reads back and verifies every block. */
class FioInteropTest {
    @TempDir
    Path dir;
    NbdServer server;
    Path fio;

    @BeforeEach
    void start() throws Exception {
        fio = Prerequisites.tool("fio", "fio");
        server = InteropServer.start(dir);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void random_writes_with_verification_at_queue_depth_16() throws Exception {
        Tool.Result r = Tool.run(120, fio.toString(), "--name=verify", "--ioengine=nbd",
                "--uri=" + InteropServer.uri(server, "disk"), "--rw=randwrite", "--bs=4k", "--iodepth=16",
                "--size=16M", "--verify=crc32c", "--do_verify=1", "--verify_fatal=1", "--verify_state_save=0", "--output-format=terse")
                .ok();
        assertThat(r.output()).doesNotContain("verify: bad");
    }

    @Test
    void sequential_large_blocks_with_two_jobs() throws Exception {
        Tool.run(120, fio.toString(), "--name=seq", "--ioengine=nbd",
                "--uri=" + InteropServer.uri(server, "disk"), "--rw=write", "--bs=1M", "--iodepth=4",
                "--numjobs=2", "--offset_increment=32M", "--size=16M", "--verify=md5", "--do_verify=1",
                "--verify_fatal=1", "--verify_state_save=0").ok();
    }
}
