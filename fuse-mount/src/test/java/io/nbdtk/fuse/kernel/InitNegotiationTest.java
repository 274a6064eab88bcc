package io.nbdtk.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

class InitNegotiationTest {
    private static final int EVERYTHING = -1;

    @Test
    void asksForAsyncDirectIoBigRequestsAndAsyncReadsWhenOffered() {
        InitNegotiation.Reply r = InitNegotiation.negotiate(new InitNegotiation.Request(7, 41, 131072, EVERYTHING),
                1 << 20, 64);
        assertThat(r.major()).isEqualTo(7);
        assertThat(r.minor()).isEqualTo(FuseProtocol.KERNEL_MINOR);
        assertThat(r.has(FuseProtocol.ASYNC_DIO)).isTrue();
        assertThat(r.has(FuseProtocol.MAX_PAGES)).isTrue();
        assertThat(r.has(FuseProtocol.BIG_WRITES)).isTrue();
        assertThat(r.has(FuseProtocol.ASYNC_READ)).isTrue();
        assertThat(r.has(FuseProtocol.INIT_EXT)).as("no flags2 features wanted").isFalse();
        assertThat(r.maxWrite()).isEqualTo(1 << 20);
        assertThat(r.maxPages()).isEqualTo(256);
        assertThat(r.maxReadahead()).isEqualTo(131072);
        assertThat(r.maxBackground()).isEqualTo(64);
        assertThat(r.congestionThreshold()).isEqualTo(48);
    }

    @Test
    void neverTurnsOnWhatTheKernelDidNotOffer() {
        InitNegotiation.Reply r = InitNegotiation.negotiate(
                new InitNegotiation.Request(7, 26, 65536, FuseProtocol.ASYNC_READ | FuseProtocol.BIG_WRITES), 1 << 20, 64);
        assertThat(r.flags()).isEqualTo(FuseProtocol.ASYNC_READ | FuseProtocol.BIG_WRITES);
        assertThat(r.minor()).isEqualTo(26);
        assertThat(r.maxPages()).isZero();
        assertThat(r.maxWrite()).as("without FUSE_MAX_PAGES the kernel stays at 32 pages").isEqualTo(128 * 1024);
    }

    @Test
    void refusesOtherMajorVersionsAndAncientMinors() {
        assertThatThrownBy(() -> InitNegotiation.negotiate(new InitNegotiation.Request(8, 0, 0, 0), 1 << 20, 64))
                .hasMessageContaining("8.0");
        assertThatThrownBy(() -> InitNegotiation.negotiate(new InitNegotiation.Request(7, 22, 0, 0), 1 << 20, 64))
                .hasMessageContaining("7.23");
    }

    @Test
    void requestAndReplyHaveTheKernelsLayout() {
        ByteBuffer in = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        in.putInt(7).putInt(38).putInt(4096).putInt(FuseProtocol.ASYNC_DIO).flip();
        assertThat(InitNegotiation.Request.decode(in)).isEqualTo(new InitNegotiation.Request(7, 38, 4096, FuseProtocol.ASYNC_DIO));

        ByteBuffer out = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
        new InitNegotiation.Reply(7, 38, 4096, FuseProtocol.ASYNC_DIO, 64, 48, 1 << 20, 1, 256).encode(out);
        assertThat(out.position()).isEqualTo(InitNegotiation.INIT_OUT_SIZE);
        assertThat(out.getInt(0)).isEqualTo(7);
        assertThat(out.getInt(4)).isEqualTo(38);
        assertThat(out.getInt(8)).isEqualTo(4096);
        assertThat(out.getInt(12)).isEqualTo(FuseProtocol.ASYNC_DIO);
        assertThat(out.getShort(16)).isEqualTo((short) 64);
        assertThat(out.getShort(18)).isEqualTo((short) 48);
        assertThat(out.getInt(20)).isEqualTo(1 << 20);
        assertThat(out.getInt(24)).isEqualTo(1);
        assertThat(out.getShort(28)).isEqualTo((short) 256);
        for (int i = 30; i < 64; i++) {
            assertThat(out.get(i)).as("byte " + i).isZero();
        }
    }
}
