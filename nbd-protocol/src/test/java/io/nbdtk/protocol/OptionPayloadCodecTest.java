package io.nbdtk.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionPayloadCodecTest {
    private static final Limits L = Limits.DEFAULT;

    @Test
    void infoRequestRoundTrips() throws Exception {
        InfoRequest r = InfoRequest.of("disk é", InfoType.NAME, InfoType.BLOCK_SIZE);
        ByteBuffer b = r.toBuffer();
        assertThat(b.remaining()).isEqualTo(r.encodedLength());
        assertThat(InfoRequest.decode(b, L)).isEqualTo(r);
    }

    @Test
    void infoRequestWithEmptyNameAndNoInfosMeansDefaultExport() throws Exception {
        InfoRequest r = InfoRequest.decode(new InfoRequest("", List.of()).toBuffer(), L);
        assertThat(r.exportName()).isEmpty();
        assertThat(r.infoTypes()).isEmpty();
    }

    @Test
    void infoRequestWhoseNameOverrunsTheDataIsRejected() {
        ByteBuffer b = ByteBuffer.allocate(10).putInt(0xFFFFFFF0).putShort((short) 0).putInt(0).flip();
        assertThatThrownBy(() -> InfoRequest.decode(b, L)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("export name length 4294967280 overruns");
    }

    @Test
    void infoRequestWithWrongCountIsRejected() {
        ByteBuffer b = ByteBuffer.allocate(8).putInt(0).putShort((short) 5).putShort((short) 1).flip();
        assertThatThrownBy(() -> InfoRequest.decode(b, L)).hasMessageContaining("declares 5 info requests");
    }

    @Test
    void metaContextRequestRoundTrips() throws Exception {
        MetaContextRequest r = new MetaContextRequest("disk", List.of("base:allocation", "qemu:dirty-bitmap:b0"));
        ByteBuffer b = r.toBuffer();
        assertThat(b.remaining()).isEqualTo(r.encodedLength());
        assertThat(MetaContextRequest.decode(b, L)).isEqualTo(r);
    }

    @Test
    void metaContextRequestWithHugeQueryCountIsRejectedBeforeAllocating() {
        ByteBuffer b = ByteBuffer.allocate(12).putInt(0).putInt(0x7FFFFFFF).putInt(0).flip();
        assertThatThrownBy(() -> MetaContextRequest.decode(b, L))
                .hasMessageContaining("query count 2147483647 cannot fit in 4 bytes");
    }

    @Test
    void metaContextQueryOverrunningTheOptionIsRejected() {
        ByteBuffer b = ByteBuffer.allocate(14).putInt(0).putInt(1).putInt(100).putShort((short) 0x6162).flip();
        assertThatThrownBy(() -> MetaContextRequest.decode(b, L))
                .hasMessageContaining("query 0 length 100 overruns");
    }

    @Test
    void metaContextRequestWithTrailingBytesIsRejected() {
        ByteBuffer b = ByteBuffer.allocate(9).putInt(0).putInt(0).put((byte) 1).flip();
        assertThatThrownBy(() -> MetaContextRequest.decode(b, L)).hasMessageContaining("trailing");
    }

    @Test
    void serverEntryRoundTripsNameAndDescription() throws Exception {
        ServerEntry e = new ServerEntry("disk", "the main disk");
        assertThat(ServerEntry.decode(e.toBuffer(), L)).isEqualTo(e);
        assertThat(ServerEntry.decode(new ServerEntry("x", "").toBuffer(), L).description()).isEmpty();
    }

    @Test
    void serverEntryNameLengthOverrunIsRejected() {
        ByteBuffer b = ByteBuffer.allocate(6).putInt(1000).putShort((short) 0x4142).flip();
        assertThatThrownBy(() -> ServerEntry.decode(b, L)).hasMessageContaining("name length 1000 overruns");
    }

    @Test
    void metaContextEntryRoundTrips() throws Exception {
        MetaContextEntry e = new MetaContextEntry(7, BaseAllocation.NAME);
        assertThat(MetaContextEntry.decode(e.toBuffer(), L)).isEqualTo(e);
    }

    @Test
    void everyInfoTypeRoundTrips() throws Exception {
        for (Info info : List.of(new Info.Export(12345, 0x4d), new Info.Name("canonical"),
                new Info.Description("a disk"), new Info.BlockSize(1, 4096, 32 << 20))) {
            ByteBuffer b = info.toBuffer();
            assertThat(Info.decode(b, L)).isEqualTo(info);
        }
    }

    @Test
    void unknownInfoTypeIsKeptAsBytes() throws Exception {
        Info i = Info.decode(ByteBuffer.wrap(new byte[] {0, 9, 1, 2, 3}), L);
        assertThat(i).isInstanceOf(Info.Unknown.class);
        assertThat(i.type()).isEqualTo(9);
        assertThat(((Info.Unknown) i).data()).containsExactly(1, 2, 3);
    }

    @Test
    void infoExportWithWrongLengthIsRejected() {
        ByteBuffer b = ByteBuffer.allocate(14).putShort((short) 0).putLong(1).putInt(0).flip();
        assertThatThrownBy(() -> Info.decode(b, L)).hasMessageContaining("NBD_INFO_EXPORT reply length must be 12, got 14");
    }

    @Test
    void blockSizeValidityFollowsTheSpec() {
        assertThat(new Info.BlockSize(1, 4096, 32 << 20).isValid()).isTrue();
        assertThat(new Info.BlockSize(512, 512, Info.BlockSize.NO_LIMIT).isValid()).isTrue();
        assertThat(new Info.BlockSize(3, 4096, 1 << 20).isValid()).isFalse();
        assertThat(new Info.BlockSize(1, 256, 1 << 20).isValid()).isFalse();
        assertThat(new Info.BlockSize(1, 4096, 1024).isValid()).isFalse();
    }

    @Test
    void stringsAreStrictUtf8WithoutNul() {
        ByteBuffer invalid = ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x28});
        assertThatThrownBy(() -> StringPayload.decode(invalid, L, "export name"))
                .hasMessageContaining("export name is not valid UTF-8");
        ByteBuffer nul = ByteBuffer.wrap("a\0b".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> StringPayload.decode(nul, L, "export name"))
                .hasMessageContaining("export name contains a NUL byte at index 1");
    }

    @Test
    void stringsOverTheLimitAreRejected() {
        ByteBuffer b = ByteBuffer.allocate(5000);
        assertThatThrownBy(() -> StringPayload.decode(b, L, "message"))
                .hasMessageContaining("message length 5000 exceeds limit 4096");
    }

    @Test
    void encodingRefusesWhatTheSpecForbids() {
        assertThatThrownBy(() -> new StringPayload("a\0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InfoRequest("x".repeat(4097), List.of()))
                .hasMessageContaining("4097 bytes");
    }
}
