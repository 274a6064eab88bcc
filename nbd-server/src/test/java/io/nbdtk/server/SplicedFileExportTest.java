package io.nbdtk.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.os.Native;
import io.nbdtk.server.store.Capability;
import io.nbdtk.server.store.FileStore;
import io.nbdtk.testing.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file export on tmpfs, whose WRITE payloads the server splices from the socket into the file
 * and whose READ data it splices from the file into the socket: the bytes land where the client
 * put them, pipelined requests behind a payload are parsed from the right place, read replies
 * carry the file's bytes in order with the small replies collected around them, and a file that
 * runs out of space mid-payload is answered with ENOSPC on a connection that stays usable.
 */
class SplicedFileExportTest {
    @TempDir
    Path dir;

    private NbdServer server;
    private Path shmFile;
    private Path mount;

    @AfterEach
    void cleanUp() throws Exception {
        if (server != null) {
            server.close();
        }
        if (shmFile != null) {
            Files.deleteIfExists(shmFile);
        }
        if (mount != null) {
            run("umount", "-l", mount.toString());
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private NbdServer serve(Path file, long size) throws IOException {
        Prerequisites.require(Native.get().available(), "native libc calls: " + Native.get().status());
        server = NbdServer.builder().listenLoopback()
                .export(ExportSpec.of("f", new ExportSpec.File(file, size))).start();
        return server;
    }

    @Test
    void unaligned_payloads_land_in_place_and_the_requests_behind_them_are_parsed() throws IOException {
        Path shm = Path.of("/dev/shm");
        Prerequisites.require(Files.isDirectory(shm) && Files.isWritable(shm), "a writable /dev/shm (tmpfs)");
        shmFile = Files.createTempFile(shm, "nbdtk-splice-", ".img");
        Files.delete(shmFile);
        serve(shmFile, 8 << 20);
        byte[] big = ServerFixture.pattern((1 << 20) - 3, 7); // the largest size served inline, give or take
        byte[] small = ServerFixture.pattern(100, 8);
        try (RawClient c = RawClient.connect(server)) {
            c.go("f");
            // pipelined: the second header and payload sit right behind the first payload
            c.request(0, 1, 1, 4096 + 7, big.length, big);
            c.request(0, 1, 2, 3 << 20, small.length, small);
            assertThat(c.simpleReply(1)).isZero();
            assertThat(c.simpleReply(2)).isZero();
            assertThat(c.readSimple(3, 4096 + 7, big.length)).isEqualTo(big);
            assertThat(c.readSimple(4, 3 << 20, small.length)).isEqualTo(small);
            assertThat(c.readSimple(5, 4096, 7)).containsOnly(0);
        }
        byte[] disk = Files.readAllBytes(shmFile);
        assertThat(java.util.Arrays.copyOfRange(disk, 4096 + 7, 4096 + 7 + big.length)).isEqualTo(big);
    }

    private Path shmFileWith(byte[] content) throws IOException {
        Path shm = Path.of("/dev/shm");
        Prerequisites.require(Files.isDirectory(shm) && Files.isWritable(shm), "a writable /dev/shm (tmpfs)");
        shmFile = Files.createTempFile(shm, "nbdtk-splice-", ".img");
        Files.write(shmFile, content);
        return shmFile;
    }

    @Test
    void large_reads_carry_the_files_bytes_between_small_collected_replies() throws IOException {
        byte[] disk = ServerFixture.pattern(8 << 20, 21);
        serve(shmFileWith(disk), disk.length);
        int bigAt = 4096 + 7;
        int big = (1 << 20) - 3;
        try (RawClient c = RawClient.connect(server)) {
            c.go("f");
            c.request(0, 0, 1, 0, 4096, null); // small: collected, then written before the big one
            c.request(0, 0, 2, bigAt, big, null);
            c.request(0, 0, 3, 3 << 20, 100, null);
            assertThat(c.simpleReply(1)).isZero();
            assertThat(c.read(4096)).isEqualTo(java.util.Arrays.copyOfRange(disk, 0, 4096));
            assertThat(c.simpleReply(2)).isZero();
            assertThat(c.read(big)).isEqualTo(java.util.Arrays.copyOfRange(disk, bigAt, bigAt + big));
            assertThat(c.simpleReply(3)).isZero();
            assertThat(c.read(100)).isEqualTo(java.util.Arrays.copyOfRange(disk, 3 << 20, (3 << 20) + 100));
        }
    }

    @Test
    void a_structured_read_is_one_data_chunk_with_the_files_bytes() throws IOException {
        byte[] disk = ServerFixture.pattern(4 << 20, 22);
        serve(shmFileWith(disk), disk.length);
        try (RawClient c = RawClient.connect(server)) {
            c.go("f", true, false, false);
            c.request(0, 0, 9, 12345, 1 << 20, null);
            java.util.List<RawClient.Chunk> chunks = c.structuredReply();
            assertThat(chunks).hasSize(1);
            RawClient.Chunk data = chunks.get(0);
            assertThat(data.type()).isEqualTo(1); // OFFSET_DATA
            assertThat(data.done()).isTrue();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(data.payload());
            assertThat(b.getLong()).isEqualTo(12345);
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            assertThat(bytes).isEqualTo(java.util.Arrays.copyOfRange(disk, 12345, 12345 + (1 << 20)));
        }
    }

    @Test
    void reads_of_a_sparse_file_carry_its_bytes_see_later_writes_and_allocate_nothing() throws Exception {
        Path shm = Path.of("/dev/shm");
        Prerequisites.require(Files.isDirectory(shm) && Files.isWritable(shm), "a writable /dev/shm (tmpfs)");
        shmFile = Files.createTempFile(shm, "nbdtk-sparse-", ".img");
        int mib = 1 << 20;
        byte[] data = ServerFixture.pattern(64 * 1024, 23);
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(shmFile.toFile(), "rw")) {
            raf.setLength(4 * mib);
            raf.seek(mib);
            raf.write(data);
        }
        try (FileStore probe = FileStore.open(shmFile, false)) {
            assertThat(probe.capabilities()).contains(Capability.MAPPED_READS, Capability.SPLICE_TO);
        }
        long blocks = allocatedBlocks(shmFile);
        serve(shmFile, 4 * mib);
        byte[] expected = new byte[4 * mib];
        System.arraycopy(data, 0, expected, mib, data.length);
        try (RawClient c = RawClient.connect(server)) {
            c.go("f");
            // all data (sent from the mapping), half hole (spliced), all hole, and the whole file
            assertThat(c.readSimple(1, mib, 64 * 1024)).isEqualTo(data);
            assertThat(c.readSimple(2, mib - 32 * 1024, 64 * 1024))
                    .isEqualTo(java.util.Arrays.copyOfRange(expected, mib - 32 * 1024, mib + 32 * 1024));
            assertThat(c.readSimple(3, 2 * mib, mib)).containsOnly(0);
            assertThat(c.readSimple(4, 0, 4 * mib)).isEqualTo(expected);
            assertThat(allocatedBlocks(shmFile)).as("reads allocated no pages").isEqualTo(blocks);
            // the mapping shows what a later write put in the file
            byte[] update = ServerFixture.pattern(16 * 1024, 24);
            c.request(0, 1, 5, mib + 8192, update.length, update);
            assertThat(c.simpleReply(5)).isZero();
            System.arraycopy(update, 0, expected, mib + 8192, update.length);
            assertThat(c.readSimple(6, mib, 64 * 1024)).isEqualTo(java.util.Arrays.copyOfRange(expected, mib, mib + 64 * 1024));
        }
    }

    @Test
    void writes_from_four_connections_at_once_all_land() throws Exception {
        int quarter = 2 << 20;
        serve(shmFileWith(new byte[4 * quarter]), 4 * quarter); // allocated: writes may take the mapping
        java.util.List<java.util.concurrent.CompletableFuture<Void>> writers = new java.util.ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int base = w * quarter;
            int seed = 40 + w;
            writers.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
                try (RawClient c = RawClient.connect(server)) {
                    c.go("f");
                    byte[] chunk = ServerFixture.pattern(quarter / 16, seed);
                    for (int i = 0; i < 16; i++) { // pipelined, then the replies
                        c.request(0, 1, i, base + (long) i * chunk.length, chunk.length, chunk);
                    }
                    for (int i = 0; i < 16; i++) {
                        assertThat(c.simpleReply(i)).isZero();
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        for (java.util.concurrent.CompletableFuture<Void> f : writers) {
            f.get(60, TimeUnit.SECONDS);
        }
        byte[] disk = Files.readAllBytes(shmFile);
        for (int w = 0; w < 4; w++) {
            byte[] chunk = ServerFixture.pattern(quarter / 16, 40 + w);
            for (int i = 0; i < 16; i++) {
                int at = w * quarter + i * chunk.length;
                assertThat(java.util.Arrays.copyOfRange(disk, at, at + chunk.length)).as("writer %d chunk %d", w, i)
                        .isEqualTo(chunk);
            }
        }
    }

    private static long allocatedBlocks(Path file) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b", file.toString()).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor()).isZero();
        return Long.parseLong(out);
    }

    @Test
    void a_file_system_that_fills_up_mid_payload_is_enospc_and_the_connection_goes_on() throws Exception {
        Prerequisites.require(Prerequisites.isRoot(), "root, to mount a 512 KiB tmpfs that fills up");
        mount = Files.createDirectory(dir.resolve("small"));
        try {
            run("mount", "-t", "tmpfs", "-o", "size=512k", "nbdtk-test", mount.toString());
        } catch (IOException e) {
            mount = null;
            throw e;
        }
        // a sparse 8 MiB file on a 512 KiB file system: writes fail once the pages run out
        serve(mount.resolve("disk.img"), 8 << 20);
        byte[] payload = ServerFixture.pattern(1 << 20, 3);
        byte[] after = ServerFixture.pattern(4096, 4);
        try (RawClient c = RawClient.connect(server)) {
            c.go("f");
            c.request(0, 1, 1, 0, payload.length, payload);
            c.request(0, 1, 2, 0, after.length, after); // lands in pages the first write got
            assertThat(c.simpleReply(1)).isEqualTo(NbdError.ENOSPC.code());
            assertThat(c.simpleReply(2)).isZero();
            assertThat(c.readSimple(3, 0, after.length)).isEqualTo(after);
        }
    }
}
