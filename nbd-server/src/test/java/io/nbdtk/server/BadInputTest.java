package io.nbdtk.server;

import static io.nbdtk.server.RawClient.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.protocol.HandshakeFlags;
import io.nbdtk.protocol.InfoRequest;
import io.nbdtk.protocol.Magic;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.protocol.Option;
import io.nbdtk.protocol.OptionReplyType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 2's "bad input" list: raw bytes at the server, the spec's answer checked, and each time a
 * bystander client connected before the misbehaving one must still be served afterwards.
 */
class BadInputTest {
    NbdServer server;
    RawClient bystander;

    @BeforeEach
    void start() throws IOException {
        server = ServerFixture.standard();
        bystander = RawClient.connect(server);
        bystander.go("disk");
        assertThat(bystander.writeSimple(1, 0, new byte[] {42})).isZero();
    }

    @AfterEach
    void stop() throws IOException {
        try {
            // the bystander is unaffected: still served, data intact
            assertThat(bystander.readSimple(2, 0, 1)).containsExactly(42);
            assertThat(bystander.writeSimple(3, 100, new byte[] {1})).isZero();
            bystander.close();
        } finally {
            server.close();
        }
    }

    @Test
    void wrong_option_magic_drops_only_that_connection() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.send(ByteBuffer.allocate(16).putLong(0x1122334455667788L).putInt(Option.LIST.code()).putInt(0).flip());
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void wrong_request_magic_drops_only_that_connection() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("disk");
            c.send(ByteBuffer.allocate(28).putInt(0x12345678).putShort((short) 0).putShort((short) 0)
                    .putLong(1).putLong(0).putInt(512).flip());
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void unknown_client_flags_disconnect() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet(HandshakeFlags.C_FIXED_NEWSTYLE | 0x100);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void option_with_a_huge_declared_length_is_dropped_without_allocation() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            // 4 GiB - 1 of option data declared; the server must not try to buffer it
            c.send(ByteBuffer.allocate(16).putLong(Magic.IHAVEOPT).putInt(Option.LIST.code()).putInt(-1).flip());
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void option_moderately_over_the_limit_gets_too_big_and_stays_in_sync() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(4242, new byte[200_000]);
            assertThat(c.reply().type()).isEqualTo(OptionReplyType.ERR_TOO_BIG.code());
            c.go("disk");
            assertThat(c.readSimple(1, 0, 1)).containsExactly(42);
        }
    }

    @Test
    void unknown_option_gets_err_unsup_and_stays_in_sync() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(0x7fff_0001, new byte[] {1, 2, 3, 4, 5});
            RawClient.OptionReply r = c.reply();
            assertThat(r.option()).isEqualTo(0x7fff_0001);
            assertThat(r.type()).isEqualTo(OptionReplyType.ERR_UNSUP.code());
            c.go("disk");
        }
    }

    @Test
    void go_for_a_missing_export_is_err_unknown() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(Option.GO, bytes(InfoRequest.of("no-such-export")));
            assertThat(c.reply().type()).isEqualTo(OptionReplyType.ERR_UNKNOWN.code());
            c.go("disk");
        }
    }

    @Test
    void export_name_for_a_missing_export_disconnects() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(Option.EXPORT_NAME, "no-such-export".getBytes());
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void unknown_command_and_unknown_flag_are_einval() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("disk");
            c.request(0, 99, 7, 0, 0, null);
            assertThat(c.simpleReply(7)).isEqualTo(NbdError.EINVAL.code());
            c.request(0x8000, 0, 8, 0, 512, null);
            assertThat(c.simpleReply(8)).isEqualTo(NbdError.EINVAL.code());
            c.request(0x4 /* DF without structured replies */, 0, 9, 0, 512, null);
            assertThat(c.simpleReply(9)).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.readSimple(10, 0, 1)).containsExactly(42);
        }
    }

    @Test
    void read_past_the_end_is_einval_and_offset_overflow_is_caught() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("disk");
            c.request(0, 0, 1, (1 << 20) - 10, 11, null);
            assertThat(c.simpleReply(1)).isEqualTo(NbdError.EINVAL.code());
            c.request(0, 0, 2, -4096L, 8192, null); // offset + length wraps around 2^64
            assertThat(c.simpleReply(2)).isEqualTo(NbdError.EINVAL.code());
        }
    }

    @Test
    void write_past_the_end_is_enospc_and_its_payload_is_consumed() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("disk");
            byte[] payload = ServerFixture.pattern(4096, 1);
            c.request(0, 1, 1, (1 << 20) - 100, payload.length, payload);
            assertThat(c.simpleReply(1)).isEqualTo(NbdError.ENOSPC.code());
            // still in sync: the next request is parsed from the right place
            assertThat(c.readSimple(2, 0, 1)).containsExactly(42);
        }
    }

    @Test
    void oversized_write_is_refused_without_allocation_and_drained() throws IOException {
        NbdServer small = NbdServer.builder().listenLoopback().maxPayload(64 * 1024)
                .export(ExportSpec.of("d", new ExportSpec.Memory(1 << 20))).start();
        try (RawClient c = RawClient.connect(small)) {
            c.go("d");
            byte[] big = new byte[200_000];
            c.request(0, 1, 1, 0, big.length, big);
            assertThat(c.simpleReply(1)).isEqualTo(NbdError.EINVAL.code());
            c.request(0, 0, 2, 0, 100_000, null);
            assertThat(c.simpleReply(2)).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.writeSimple(3, 0, new byte[] {5})).isZero();
        } finally {
            small.close();
        }
    }

    @Test
    void writes_trims_and_zeroes_on_a_read_only_export_are_eperm() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("ro");
            c.request(0, 1, 1, 0, 3, new byte[] {1, 2, 3});
            assertThat(c.simpleReply(1)).isEqualTo(NbdError.EPERM.code());
            c.request(0, 4, 2, 0, 512, null);
            assertThat(c.simpleReply(2)).isEqualTo(NbdError.EPERM.code());
            c.request(0, 6, 3, 0, 512, null);
            assertThat(c.simpleReply(3)).isEqualTo(NbdError.EPERM.code());
            assertThat(c.readSimple(4, 0, 3)).containsOnly(0);
        }
    }

    @Test
    void block_status_without_a_negotiated_context_is_einval() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("disk", true, false, false);
            c.request(0, 7, 1, 0, 4096, null);
            RawClient.Chunk r = c.nextReply();
            assertThat(r.done()).isTrue();
            assertThat(r.error()).isEqualTo(NbdError.EINVAL.code());
        }
    }

    @Test
    void misaligned_requests_on_a_512_byte_block_export_are_einval() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.go("b512");
            c.request(0, 0, 1, 100, 512, null);
            assertThat(c.simpleReply(1)).isEqualTo(NbdError.EINVAL.code());
            c.request(0, 1, 2, 512, 100, new byte[100]);
            assertThat(c.simpleReply(2)).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.readSimple(3, 512, 512)).hasSize(512);
        }
    }

    @Test
    void a_silent_peer_is_dropped_after_the_handshake_timeout() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.read(18); // greeting, then nothing
            c.socket.setSoTimeout(20_000);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void a_peer_vanishing_mid_request_costs_only_its_connection() throws IOException {
        RawClient c = RawClient.connect(server);
        c.go("disk");
        // header of a 64 KiB write, then half the payload, then gone
        ByteBuffer half = ByteBuffer.allocate(28 + 32768).putInt(Magic.REQUEST).putShort((short) 0).putShort((short) 1)
                .putLong(1).putLong(8192).putInt(65536);
        half.put(ServerFixture.pattern(32768, 5)).flip();
        c.send(half);
        c.close();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionCount() == 1);
        try (RawClient again = RawClient.connect(server)) {
            again.go("disk");
            // an unacknowledged write may be torn (the memory store receives payloads in place, as a
            // disk may persist part of a write), but nothing past the bytes that arrived is touched
            assertThat(again.readSimple(1, 8192 + 32768, 32768)).containsOnly(0);
        }
    }
}
