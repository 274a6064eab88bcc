package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.nbdtk.testing.Prerequisites;

/**
 * The libfuse 2 fallback engine (--engine=libfuse2) serves the same files with the same
 * semantics; the other mount tests run on the default kernel engine.
 */
class Libfuse2EngineMountTest {
    @RegisterExtension final TestMountPoint mountPoint = new TestMountPoint();
    private Path mp;
    private FuseMount mount;

    @BeforeEach
    void setUp() throws IOException {
        Prerequisites.require(Stream.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/x86_64-linux-gnu",
                "/usr/lib64").anyMatch(d -> Files.exists(Path.of(d, "libfuse.so.2"))), "libfuse.so.2 (apt-get install libfuse2)");
        mp = mountPoint.path();
    }

    @Test
    void writesReadBackErrorsKeepTheirErrnoAndUnmountIsAwaited() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice(4 << 20);
        mount = mountPoint.mount(List.of(new ExportFile("disk", dev)),
                MountOptions.defaults().withEngine(FuseEngine.LIBFUSE2).withDirectIo(true));
        byte[] pattern = new byte[1 << 20];
        new Random(7).nextBytes(pattern);
        try (FileChannel ch = FileChannel.open(mp.resolve("disk"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(pattern), 4096);
            ByteBuffer back = ByteBuffer.allocate(pattern.length);
            while (back.hasRemaining() && ch.read(back, 4096 + back.position()) > 0) { }
            assertThat(back.array()).isEqualTo(pattern);
            dev.failWith = Errno.ENOSPC;
            assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(512), 0)).hasMessageContaining("No space left");
            dev.failWith = 0;
        }
        assertThat(Arrays.copyOfRange(dev.contents(), 4096, 4096 + pattern.length)).isEqualTo(pattern);
        assertThat(Files.size(mp.resolve("disk"))).isEqualTo(4 << 20);
        mount.unmount(false);
        assertThat(mount.awaitUnmounted(Duration.ofSeconds(20))).isTrue();
        assertThat(MountCleanup.fuseMountAt(mp)).isEmpty();
    }
}
