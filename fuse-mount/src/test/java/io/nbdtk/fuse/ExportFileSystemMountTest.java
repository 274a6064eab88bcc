package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The file semantics of a real mount over in-memory devices (no server involved). */
class ExportFileSystemMountTest {
    private static final int SIZE = 4 << 20;

    @RegisterExtension final TestMountPoint mountPoint = new TestMountPoint();
    private Path mp;
    private FuseMount mount;

    @BeforeEach
    void setUp() {
        mp = mountPoint.path();
    }

    private FuseMount mount(MountOptions options, ExportFile... files) throws IOException {
        mount = mountPoint.mount(List.of(files), options);
        return mount;
    }

    @Test
    void showsOneRegularFilePerExportWithTheExportSize() throws IOException {
        mount(MountOptions.defaults(), new ExportFile("disk", new MemoryBlockDevice(SIZE)),
                new ExportFile("ro", new MemoryBlockDevice(8192, true, true, true)));

        try (var list = Files.list(mp)) {
            assertThat(list.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("disk", "ro");
        }
        assertThat(Files.size(mp.resolve("disk"))).isEqualTo(SIZE);
        assertThat(Files.isRegularFile(mp.resolve("disk"))).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mp.resolve("disk")))).isEqualTo("rw-r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mp.resolve("ro")))).isEqualTo("r--r--r--");
        assertThat(mount.connectionId()).isPositive();
    }

    @Test
    void writesReachTheDeviceAndReadBack() throws IOException {
        MemoryBlockDevice dev = new MemoryBlockDevice(SIZE);
        mount(MountOptions.defaults(), new ExportFile("disk", dev));
        byte[] pattern = new byte[1 << 20];
        new Random(42).nextBytes(pattern);

        try (FileChannel ch = FileChannel.open(mp.resolve("disk"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(pattern), 12345);
            ch.force(true);
            ByteBuffer back = ByteBuffer.allocate(pattern.length);
            while (back.hasRemaining() && ch.read(back, 12345 + back.position()) > 0) { }
            assertThat(back.array()).isEqualTo(pattern);
        }
        assertThat(Arrays.copyOfRange(dev.contents(), 12345, 12345 + pattern.length)).isEqualTo(pattern);
        assertThat(dev.flushes).isPositive();
    }

    @Test
    void writesPastTheEndFailWithNoSpaceAndTruncateIsRefused() throws IOException {
        mount(MountOptions.defaults(), new ExportFile("disk", new MemoryBlockDevice(8192)));
        Path disk = mp.resolve("disk");
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            // the part inside the export is written, the rest is refused like on a block device
            assertThat(ch.write(ByteBuffer.allocate(100), 8192 - 10)).isEqualTo(10);
            assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(100), 8192)).hasMessageContaining("space");
            assertThatThrownBy(() -> ch.truncate(4096)).isInstanceOf(IOException.class);
        }
        assertThat(Files.size(disk)).isEqualTo(8192);
        assertThatThrownBy(() -> Files.createFile(mp.resolve("new"))).isInstanceOf(IOException.class);
    }

    @Test
    void modificationTimeCanBeSetLikeOnAnyFile() throws Exception {
        mount(MountOptions.defaults(), new ExportFile("disk", new MemoryBlockDevice(8192)));
        Path disk = mp.resolve("disk");
        // both times: libfuse 2 drops a change of the modification time alone (touch -m) silently
        run("touch", "-d", "2001-02-03 04:05:06 UTC", disk.toString());
        assertThat(Files.getLastModifiedTime(disk).toInstant()).isEqualTo(java.time.Instant.parse("2001-02-03T04:05:06Z"));
        run("touch", disk.toString()); // now
        assertThat(Files.getLastModifiedTime(disk).toInstant()).isAfter(java.time.Instant.parse("2020-01-01T00:00:00Z"));
    }

    @Test
    void readOnlyMountRefusesWrites() throws IOException {
        MemoryBlockDevice dev = new MemoryBlockDevice(8192);
        mount(MountOptions.defaults().withReadOnly(true), new ExportFile("disk", dev));
        Path disk = mp.resolve("disk");

        assertThat(Files.readAllBytes(disk)).hasSize(8192);
        assertThatThrownBy(() -> FileChannel.open(disk, StandardOpenOption.WRITE).close())
                .isInstanceOf(IOException.class).hasMessageContaining("Read-only file system");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(disk))).isEqualTo("r--r--r--");
    }

    @Test
    void deviceErrorsReachTheCallerAsTheirErrno() throws IOException {
        MemoryBlockDevice dev = new MemoryBlockDevice(8192);
        mount(MountOptions.defaults().withDirectIo(true), new ExportFile("disk", dev));
        Path disk = mp.resolve("disk");
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            dev.failWith = Errno.ENOSPC;
            assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(512), 0)).hasMessageContaining("No space left");
            dev.failWith = Errno.EIO;
            assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(512), 0)).hasMessageContaining("Input/output error");
            dev.failWith = 0;
            assertThat(ch.read(ByteBuffer.allocate(512), 0)).isEqualTo(512);
        }
    }

    @Test
    void punchHoleAndZeroRangeZeroTheWholeRange() throws Exception {
        Path fallocate = io.nbdtk.testing.Prerequisites.tool("fallocate", "util-linux");
        MemoryBlockDevice zeroing = new MemoryBlockDevice(1 << 20);
        // no WRITE_ZEROES: zeroing must be emulated over the whole range (nbdfuse zeroed 4 KiB of it)
        MemoryBlockDevice emulated = new MemoryBlockDevice(1 << 20, false, false, false);
        mount(MountOptions.defaults().withDirectIo(true), new ExportFile("a", zeroing), new ExportFile("b", emulated));
        byte[] ones = new byte[1 << 20];
        Arrays.fill(ones, (byte) 1);
        Files.write(mp.resolve("a"), ones, StandardOpenOption.WRITE);
        Files.write(mp.resolve("b"), ones, StandardOpenOption.WRITE);

        run(fallocate.toString(), "-p", "-o", "65536", "-l", "131072", mp.resolve("a").toString());
        run(fallocate.toString(), "-z", "-o", "65536", "-l", "262144", mp.resolve("b").toString());

        assertZerosExactly(zeroing.contents(), 65536, 131072);
        assertZerosExactly(emulated.contents(), 65536, 262144);
        assertThat(Files.readAllBytes(mp.resolve("b"))).isEqualTo(emulated.contents());
        // punching needs WRITE_ZEROES or TRIM; the device has neither
        assertThat(runStatus(fallocate.toString(), "-p", "-o", "0", "-l", "4096", mp.resolve("b").toString())).isNotZero();
    }

    private static void assertZerosExactly(byte[] data, int from, int len) {
        for (int i = 0; i < data.length; i++) {
            byte expected = i >= from && i < from + len ? (byte) 0 : (byte) 1;
            if (data[i] != expected) {
                throw new AssertionError("byte " + i + " is " + data[i] + ", expected " + expected);
            }
        }
    }

    @Test
    void externalUnmountEndsTheMount() throws Exception {
        mount(MountOptions.defaults(), new ExportFile("disk", new MemoryBlockDevice(8192)));
        run(FusePrerequisites.fusermount(), "-u", mp.toString());
        assertThat(mount.awaitUnmounted(Duration.ofSeconds(20))).isTrue();
        assertThat(MountCleanup.fuseMountAt(mp)).isEmpty();
    }

    @Test
    void busyMountIsNotUnmountedUnlessLazy() throws Exception {
        mount(MountOptions.defaults(), new ExportFile("disk", new MemoryBlockDevice(8192)));
        try (FileChannel open = FileChannel.open(mp.resolve("disk"), StandardOpenOption.READ)) {
            assertThatThrownBy(() -> mount.unmount(false)).isInstanceOf(MountBusyException.class);
            assertThat(mount.isMounted()).isTrue();
            assertThat(open.read(ByteBuffer.allocate(16), 0)).isEqualTo(16);
            mount.unmount(true);
            assertThat(MountCleanup.fuseMountAt(mp)).isEmpty();
        }
        assertThat(mount.awaitUnmounted(Duration.ofSeconds(20))).isTrue();
    }

    @Test
    void mountPointMustBeADirectory() {
        assertThatThrownBy(() -> FuseMount.mount(mountPoint.scratch().resolve("missing"), List.of(), MountOptions.defaults()))
                .hasMessageContaining("not an existing directory");
    }

    static void run(String... cmd) throws Exception {
        Exec.Result r = Exec.run(List.of(cmd), Duration.ofSeconds(60));
        assertThat(r.exitCode()).as(String.join(" ", cmd) + ": " + r.output()).isZero();
    }

    static int runStatus(String... cmd) throws Exception {
        return Exec.run(List.of(cmd), Duration.ofSeconds(60)).exitCode();
    }
}
