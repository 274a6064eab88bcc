package io.nbdtk.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.protocol.ChunkType;
import io.nbdtk.protocol.CommandFlags;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.RawClient.Chunk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Commands and reply formats in the transmission phase (simple, structured, extended). */
class TransmissionTest {
    static final int READ = 0;
    static final int WRITE = 1;
    static final int FLUSH = 3;
    static final int TRIM = 4;
    static final int CACHE = 5;
    static final int ZERO = 6;
    static final int BLOCK_STATUS = 7;

    NbdServer server;

    @BeforeEach
    void start() throws IOException {
        server = ServerFixture.standard();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void simple_replies_cover_write_read_flush_fua_trim_zero_cache() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("disk");
            byte[] data = ServerFixture.pattern(200_000, 1);
            c.request(CommandFlags.FUA, WRITE, 1, 4096, data.length, data);
            assertThat(c.simpleReply(1)).isZero();
            assertThat(c.readSimple(2, 4096, data.length)).isEqualTo(data);
            c.request(0, FLUSH, 3, 0, 0, null);
            assertThat(c.simpleReply(3)).isZero();
            c.request(0, TRIM, 4, 0, 65536, null);
            assertThat(c.simpleReply(4)).isZero();
            c.request(CommandFlags.NO_HOLE, ZERO, 5, 65536, 4096, null);
            assertThat(c.simpleReply(5)).isZero();
            c.request(0, CACHE, 6, 0, 1 << 20, null);
            assertThat(c.simpleReply(6)).isZero();
            assertThat(c.readSimple(7, 65536, 4096)).containsOnly(0);
            byte[] after = c.readSimple(8, 65536 + 4096, 1000);
            assertThat(after).isEqualTo(java.util.Arrays.copyOfRange(data, 65536, 65536 + 1000));
            c.request(0, READ, 9, 0, 0, null); // zero-length read: no data, no disconnect
            assertThat(c.simpleReply(9)).isZero();
            c.disconnect();
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void structured_reads_send_holes_as_offset_hole_and_data_as_offset_data() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("disk", true, false, false);
            byte[] data = ServerFixture.pattern(65536, 2);
            c.request(0, WRITE, 1, 131072, data.length, data);
            assertThat(c.nextReply().error()).isZero();
            c.request(0, READ, 2, 0, 262144, null);
            List<Chunk> chunks = c.structuredReply();
            assertThat(chunks).extracting(Chunk::type).containsExactly(ChunkType.OFFSET_HOLE.code(),
                    ChunkType.OFFSET_DATA.code(), ChunkType.OFFSET_HOLE.code());
            ByteBuffer hole = chunks.get(0).buf();
            assertThat(hole.getLong()).isZero();
            assertThat(hole.getInt()).isEqualTo(131072);
            ByteBuffer d = chunks.get(1).buf();
            assertThat(d.getLong()).isEqualTo(131072);
            byte[] got = new byte[d.remaining()];
            d.get(got);
            assertThat(got).isEqualTo(data);
            assertThat(chunks.get(2).done()).isTrue();
        }
    }

    @Test
    void df_reads_come_in_one_data_chunk() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("disk", true, false, false);
            c.request(CommandFlags.DF, READ, 1, 0, 262144, null);
            List<Chunk> chunks = c.structuredReply();
            assertThat(chunks).hasSize(1);
            assertThat(chunks.get(0).type()).isEqualTo(ChunkType.OFFSET_DATA.code());
            assertThat(chunks.get(0).payload()).hasSize(8 + 262144);
        }
    }

    @Test
    void structured_errors_carry_a_message() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("disk", true, false, false);
            c.request(0, READ, 1, 1 << 20, 1, null);
            Chunk err = c.nextReply();
            assertThat(err.type()).isEqualTo(ChunkType.ERROR.code());
            assertThat(err.done()).isTrue();
            ByteBuffer b = err.buf();
            assertThat(b.getInt()).isEqualTo(NbdError.EINVAL.code());
            assertThat(b.getShort()).isPositive();
        }
    }

    @Test
    void block_status_reports_holes_and_data_and_honours_req_one() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("disk", true, true, false);
            byte[] data = ServerFixture.pattern(65536, 3);
            c.request(0, WRITE, 1, 65536, data.length, data);
            assertThat(c.nextReply().error()).isZero();
            c.request(0, BLOCK_STATUS, 2, 0, 1 << 20, null);
            Chunk bs = c.nextReply();
            assertThat(bs.type()).isEqualTo(ChunkType.BLOCK_STATUS.code());
            assertThat(bs.done()).isTrue();
            ByteBuffer b = bs.buf();
            assertThat(b.getInt()).isEqualTo(1); // the id SET_META_CONTEXT gave
            assertThat(new long[] {b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt()})
                    .containsExactly(65536, 3, 65536, 0, (1 << 20) - 131072, 3);
            c.request(CommandFlags.REQ_ONE, BLOCK_STATUS, 3, 4096, 200_000, null);
            ByteBuffer one = c.nextReply().buf();
            assertThat(one.remaining()).isEqualTo(4 + 8);
            one.getInt();
            assertThat(one.getInt()).isEqualTo(65536 - 4096);
            assertThat(one.getInt()).isEqualTo(3);
        }
    }

    @Test
    void fast_zero_is_refused_with_enotsup_when_holes_are_forbidden() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("disk");
            c.request(CommandFlags.FAST_ZERO, ZERO, 1, 0, 65536, null);
            assertThat(c.simpleReply(1)).isZero();
            c.request(CommandFlags.FAST_ZERO | CommandFlags.NO_HOLE, ZERO, 2, 0, 65536, null);
            assertThat(c.simpleReply(2)).isEqualTo(NbdError.ENOTSUP.code());
        }
    }

    @Test
    void extended_headers_carry_64_bit_lengths_and_echo_offsets() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("disk", true, true, true);
            byte[] data = ServerFixture.pattern(5000, 4);
            c.request(CommandFlags.PAYLOAD_LEN, WRITE, 1, 8192, data.length, data);
            Chunk ok = c.nextReply();
            assertThat(ok.type()).isEqualTo(ChunkType.NONE.code());
            assertThat(ok.offset()).isEqualTo(8192);
            c.request(0, READ, 2, 8192, 5000, null);
            Chunk d = c.nextReply();
            assertThat(d.type()).isEqualTo(ChunkType.OFFSET_DATA.code());
            assertThat(d.done()).isTrue();
            assertThat(java.util.Arrays.copyOfRange(d.payload(), 8, d.payload().length)).isEqualTo(data);
            c.request(0, BLOCK_STATUS, 3, 0, 1 << 20, null);
            Chunk bs = c.nextReply();
            assertThat(bs.type()).isEqualTo(ChunkType.BLOCK_STATUS_EXT.code());
            ByteBuffer b = bs.buf();
            assertThat(b.getInt()).isEqualTo(1);
            assertThat(b.getInt()).isEqualTo(2); // data page, then the rest a hole
            assertThat(b.getLong()).isEqualTo(65536);
            assertThat(b.getLong()).isZero();
            // a WRITE without PAYLOAD_LEN under extended headers is invalid
            c.request(0, WRITE, 4, 0, 3, new byte[] {1, 2, 3});
            assertThat(c.nextReply().error()).isEqualTo(NbdError.EINVAL.code());
            c.request(0, READ, 5, 0, 1, null);
            assertThat(c.nextReply().type()).isEqualTo(ChunkType.OFFSET_DATA.code());
        }
    }

    @Test
    void writes_on_one_connection_are_visible_on_another_after_flush() throws IOException {
        try (RawClient a = RawClient.connect(server); RawClient b = RawClient.connect(server)) {
            a.go("disk");
            b.go("disk");
            byte[] data = ServerFixture.pattern(4096, 5);
            assertThat(a.writeSimple(1, 12288, data)).isZero();
            a.request(0, FLUSH, 2, 0, 0, null);
            assertThat(a.simpleReply(2)).isZero();
            assertThat(b.readSimple(3, 12288, 4096)).isEqualTo(data);
        }
    }

    @Test
    void file_exports_send_large_reads_straight_from_the_file_in_both_reply_formats(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        NbdServer files = NbdServer.builder().listenLoopback()
                .export(ExportSpec.of("f", new ExportSpec.File(dir.resolve("f.img"), 1 << 20))).start();
        try (RawClient simple = RawClient.connect(files); RawClient structured = RawClient.connect(files)) {
            simple.go("f");
            structured.go("f", true, false, false);
            byte[] data = ServerFixture.pattern(300_000, 9);
            assertThat(simple.writeSimple(1, 4096, data)).isZero();
            assertThat(simple.readSimple(2, 4096, data.length)).isEqualTo(data);
            structured.request(0, READ, 3, 4096, data.length, null);
            Chunk c = structured.nextReply();
            assertThat(c.type()).isEqualTo(ChunkType.OFFSET_DATA.code());
            assertThat(c.done()).isTrue();
            assertThat(java.util.Arrays.copyOfRange(c.payload(), 8, c.payload().length)).isEqualTo(data);
        } finally {
            files.close();
        }
    }
}
