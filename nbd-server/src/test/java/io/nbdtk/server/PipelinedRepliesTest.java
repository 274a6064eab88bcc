package io.nbdtk.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.protocol.ChunkType;
import io.nbdtk.protocol.NbdError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import io.nbdtk.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many requests pipelined before any reply is read, on a memory export and on a file in /dev/shm:
 * small ones are served by the reading thread with their replies collected and written together,
 * large ones by other threads. Every request must get exactly its reply, whatever path served it.
 */
class PipelinedRepliesTest {
    static final int SIZE = 8 << 20;
    /** Sizes on every path: collected replies, large replies after collected ones, other threads. */
    static final int[] LENGTHS = {512, 4096, 4096, 60_000, 65_536, 200_000, 1 << 20, (1 << 20) + 4096, 3 << 20};

    NbdServer server;
    byte[] disk;
    Path file;

    void start(String backend) throws IOException {
        if (backend.equals("memory")) {
            server = ServerFixture.memory("m", SIZE);
        } else {
            Path shm = Path.of("/dev/shm");
            Prerequisites.require(Files.isDirectory(shm) && Files.isWritable(shm), "a writable /dev/shm (tmpfs)");
            file = shm.resolve("nbdtk-pipelined-" + java.util.UUID.randomUUID() + ".img"); // created by the export
            server = NbdServer.builder().listenLoopback()
                    .export(ExportSpec.of("m", new ExportSpec.File(file, SIZE))).start();
        }
        disk = ServerFixture.pattern(SIZE, 42);
        try (RawClient c = RawClient.connect(server)) {
            c.go("m");
            for (int off = 0; off < SIZE; off += 1 << 20) {
                assertThat(c.writeSimple(off, off, Arrays.copyOfRange(disk, off, off + (1 << 20)))).isZero();
            }
        }
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "file"})
    void pipelined_structured_reads_and_writes_each_get_their_own_reply(String backend) throws IOException {
        start(backend);
        try (RawClient c = RawClient.connect(server)) {
            c.go("m", true, false, false);
            Map<Long, long[]> reads = new HashMap<>(); // cookie -> offset, length
            Set<Long> writes = new HashSet<>();
            long cookie = 1;
            for (int round = 0; round < 8; round++) {
                for (int len : LENGTHS) {
                    long off = ((round * 7919L + len) * 512) % (SIZE - len) / 512 * 512;
                    c.request(0, TransmissionTest.READ, cookie, off, len, null);
                    reads.put(cookie++, new long[] {off, len});
                }
                // rewrites what is there: in-flight requests have no order, so reads see the same either way
                int off = (round + 1) * 65536 + 512;
                c.request(0, TransmissionTest.WRITE, cookie, off, 4096, Arrays.copyOfRange(disk, off, off + 4096));
                writes.add(cookie++);
                c.request(0, TransmissionTest.READ, cookie++, SIZE, 4096, null); // past the end: EINVAL
            }
            Map<Long, ByteArrayOutputStream> got = new HashMap<>();
            Set<Long> done = new HashSet<>();
            int errors = 0;
            while (done.size() < cookie - 1) {
                RawClient.Chunk ch = c.nextReply();
                assertThat(done).as("no chunk after DONE").doesNotContain(ch.cookie());
                if (ch.type() == ChunkType.OFFSET_DATA.code()) {
                    long[] r = reads.get(ch.cookie());
                    ByteBuffer p = ch.buf();
                    long at = p.getLong();
                    ByteArrayOutputStream out = got.computeIfAbsent(ch.cookie(), k -> new ByteArrayOutputStream());
                    assertThat(at).isEqualTo(r[0] + out.size());
                    out.write(ch.payload(), 8, ch.payload().length - 8);
                } else if (ch.type() == ChunkType.ERROR.code()) {
                    assertThat(ch.error()).isEqualTo(NbdError.EINVAL.code());
                    errors++;
                } else {
                    assertThat(ch.type()).as("a simple reply (-1) to a write").isEqualTo(-1);
                    assertThat(ch.error()).isZero();
                    assertThat(writes).contains(ch.cookie());
                }
                if (ch.done()) {
                    done.add(ch.cookie());
                }
            }
            assertThat(errors).isEqualTo(8);
            for (Map.Entry<Long, long[]> r : reads.entrySet()) {
                int off = (int) r.getValue()[0];
                int len = (int) r.getValue()[1];
                assertThat(Arrays.equals(got.get(r.getKey()).toByteArray(), Arrays.copyOfRange(disk, off, off + len)))
                        .as("data of read %d+%d", off, len).isTrue();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "file"})
    void pipelined_simple_reads_each_get_their_own_data(String backend) throws IOException {
        start(backend);
        try (RawClient c = RawClient.connect(server)) {
            c.go("m");
            Map<Long, long[]> reads = new HashMap<>();
            long cookie = 1;
            for (int round = 0; round < 8; round++) {
                for (int len : LENGTHS) {
                    long off = ((round * 104729L + len) * 512) % (SIZE - len) / 512 * 512;
                    c.request(0, TransmissionTest.READ, cookie, off, len, null);
                    reads.put(cookie++, new long[] {off, len});
                }
            }
            for (int i = 0; i < reads.size(); i++) {
                ByteBuffer h = ByteBuffer.wrap(c.read(16));
                h.getInt();
                assertThat(h.getInt()).as("error").isZero();
                long[] r = reads.get(h.getLong());
                assertThat(r).as("a cookie that was sent").isNotNull();
                int off = (int) r[0];
                int len = (int) r[1];
                assertThat(Arrays.equals(c.read(len), Arrays.copyOfRange(disk, off, off + len)))
                        .as("data of read %d+%d", off, len).isTrue();
            }
        }
    }
}
