package io.nbdtk.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reply layouts against include/uapi/linux/fuse.h, on plain buffers. */
class ReplyWriterTest {
    private ByteBuffer buf;
    private ReplyWriter reply;
    private final Attr attr = new Attr(2, 8192, 16, 1_000_000_000L, 0100644, 1, 1000, 100, 4096);

    @BeforeEach
    void setUp() {
        buf = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        reply = new ReplyWriter(buf);
        reply.begin(0x1122334455L);
    }

    private void assertHeader(int length, int error) {
        assertThat(reply.replied()).isTrue();
        assertThat(reply.length()).isEqualTo(length);
        assertThat(buf.getInt(0)).isEqualTo(length);
        assertThat(buf.getInt(4)).isEqualTo(error);
        assertThat(buf.getLong(8)).isEqualTo(0x1122334455L);
    }

    @Test
    void anErrorIsAHeaderWithTheNegatedErrno() {
        assertThat(reply.replied()).isFalse();
        reply.error(5);
        assertHeader(16, -5);
        assertThatThrownBy(() -> reply.error(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void entryOutIs128BytesWithTheAttributesAt40() {
        reply.entry(7, attr);
        assertHeader(16 + 128, 0);
        assertThat(buf.getLong(16)).isEqualTo(7); // nodeid
        assertThat(buf.getLong(24)).isZero(); // generation
        assertThat(buf.getLong(32)).isEqualTo(1); // entry_valid
        assertThat(buf.getLong(40)).isEqualTo(1); // attr_valid
        assertAttrAt(16 + 40);
    }

    @Test
    void attrOutIs104BytesWithTheAttributesAt16() {
        reply.attr(attr);
        assertHeader(16 + 104, 0);
        assertThat(buf.getLong(16)).isEqualTo(1);
        assertAttrAt(16 + 16);
    }

    private void assertAttrAt(int at) {
        assertThat(buf.getLong(at)).isEqualTo(2); // ino
        assertThat(buf.getLong(at + 8)).isEqualTo(8192); // size
        assertThat(buf.getLong(at + 16)).isEqualTo(16); // blocks
        assertThat(buf.getLong(at + 32)).isEqualTo(1_000_000_000L); // mtime
        assertThat(buf.getInt(at + 60)).isEqualTo(0100644); // mode
        assertThat(buf.getInt(at + 64)).isEqualTo(1); // nlink
        assertThat(buf.getInt(at + 68)).isEqualTo(1000); // uid
        assertThat(buf.getInt(at + 72)).isEqualTo(100); // gid
        assertThat(buf.getInt(at + 80)).isEqualTo(4096); // blksize
    }

    @Test
    void openOutCarriesTheOpenFlags() {
        reply.open(9, FuseProtocol.FOPEN_DIRECT_IO | FuseProtocol.FOPEN_PARALLEL_DIRECT_WRITES);
        assertHeader(32, 0);
        assertThat(buf.getLong(16)).isEqualTo(9);
        assertThat(buf.getInt(24)).isEqualTo(0b100_0001);
    }

    @Test
    void writeOutAndStatfsOut() {
        reply.written(4096);
        assertHeader(24, 0);
        assertThat(buf.getInt(16)).isEqualTo(4096);

        reply.begin(0x1122334455L);
        reply.statfs(100, 0, 0, 3, 0, 4096, 255, 4096);
        assertHeader(16 + 80, 0);
        assertThat(buf.getLong(16)).isEqualTo(100);
        assertThat(buf.getLong(40)).isEqualTo(3); // files
        assertThat(buf.getInt(56)).isEqualTo(4096); // bsize
        assertThat(buf.getInt(60)).isEqualTo(255); // namelen
        assertThat(buf.getInt(64)).isEqualTo(4096); // frsize
    }

    @Test
    void readDataFollowsTheHeader() {
        ByteBuffer data = reply.dataBuffer(100);
        assertThat(data.remaining()).isEqualTo(100);
        data.put(0, (byte) 42).put(99, (byte) 43);
        reply.data(60);
        assertHeader(16 + 60, 0);
        assertThat(buf.get(16)).isEqualTo((byte) 42);
        assertThatThrownBy(() -> reply.dataBuffer(8192)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void direntsArePaddedTo8BytesAndResumeAtTheirOffset() {
        List<ReplyWriter.Dirent> all = List.of(new ReplyWriter.Dirent(1, ".", 4), new ReplyWriter.Dirent(1, "..", 4),
                new ReplyWriter.Dirent(2, "disk", 8));
        reply.dirents(all, 0, 4096);
        assertHeader(16 + 3 * 32, 0);
        assertThat(buf.getLong(16)).isEqualTo(1); // ino
        assertThat(buf.getLong(24)).isEqualTo(1); // off: where the next readdir starts
        assertThat(buf.getInt(32)).isEqualTo(1); // namelen
        assertThat(buf.getInt(36)).isEqualTo(4); // DT_DIR
        assertThat(buf.get(40)).isEqualTo((byte) '.');
        int third = 16 + 64;
        assertThat(buf.getLong(third + 8)).isEqualTo(3);
        byte[] name = new byte[4];
        buf.get(third + 24, name);
        assertThat(new String(name, StandardCharsets.UTF_8)).isEqualTo("disk");

        reply.begin(1);
        reply.dirents(all, 2, 4096);
        assertThat(reply.length()).isEqualTo(16 + 32);
        assertThat(buf.getLong(16)).isEqualTo(2);

        reply.begin(1);
        reply.dirents(all, 0, 40); // room for one entry only
        assertThat(reply.length()).isEqualTo(16 + 32);

        reply.begin(1);
        reply.dirents(all, 3, 4096); // past the end: empty, which ends the listing
        assertThat(reply.length()).isEqualTo(16);
    }

    @Test
    void onlyFailedReadsAndWritesRetireTheirBuffer() {
        reply.error(5);
        assertThat(reply.failedIo(FuseProtocol.READ)).isTrue();
        assertThat(reply.failedIo(FuseProtocol.GETATTR)).isFalse();
        reply.begin(2);
        reply.written(1);
        assertThat(reply.failedIo(FuseProtocol.WRITE)).isFalse();
    }
}
