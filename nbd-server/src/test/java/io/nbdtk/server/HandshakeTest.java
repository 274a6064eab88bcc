package io.nbdtk.server;

import static io.nbdtk.server.RawClient.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.protocol.HandshakeFlags;
import io.nbdtk.protocol.InfoRequest;
import io.nbdtk.protocol.InfoType;
import io.nbdtk.protocol.MetaContextRequest;
import io.nbdtk.protocol.Option;
import io.nbdtk.protocol.OptionReplyType;
import io.nbdtk.protocol.TransmissionFlags;
import io.nbdtk.server.RawClient.OptionReply;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fixed newstyle negotiation, option by option, as bytes on the wire. */
class HandshakeTest {
    static NbdServer server;

    @BeforeAll
    static void start() throws IOException {
        server = ServerFixture.standard();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static final int ACK = OptionReplyType.ACK.code();

    @Test
    void greeting_offers_fixed_newstyle_and_no_zeroes() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            assertThat(c.greet(HandshakeFlags.C_FIXED_NEWSTYLE))
                    .isEqualTo(HandshakeFlags.FIXED_NEWSTYLE | HandshakeFlags.NO_ZEROES);
        }
    }

    @Test
    void export_name_answers_size_and_flags_with_or_without_zero_padding() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet(HandshakeFlags.C_FIXED_NEWSTYLE);
            c.option(Option.EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
            ByteBuffer r = ByteBuffer.wrap(c.read(10 + 124));
            assertThat(r.getLong()).isEqualTo(1 << 20);
            assertThat(r.getShort() & TransmissionFlags.HAS_FLAGS).isEqualTo(TransmissionFlags.HAS_FLAGS);
            assertThat(c.readSimple(1, 0, 16)).containsOnly(0);
        }
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(Option.EXPORT_NAME, new byte[0]); // default export: the first one
            ByteBuffer r = ByteBuffer.wrap(c.read(10));
            assertThat(r.getLong()).isEqualTo(1 << 20);
            assertThat(c.writeSimple(2, 0, new byte[] {1, 2, 3})).isZero();
        }
    }

    @Test
    void abort_is_acknowledged_then_the_server_closes() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(Option.ABORT, new byte[0]);
            OptionReply r = c.reply();
            assertThat(r.option()).isEqualTo(Option.ABORT.code());
            assertThat(r.type()).isEqualTo(ACK);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void list_names_every_export_with_its_description() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(Option.LIST, new byte[0]);
            List<OptionReply> replies = c.replies();
            assertThat(replies).hasSize(4);
            assertThat(replies.get(3).type()).isEqualTo(ACK);
            ByteBuffer first = replies.get(0).buf();
            assertThat(replies.get(0).type()).isEqualTo(OptionReplyType.SERVER.code());
            byte[] name = new byte[first.getInt()];
            first.get(name);
            byte[] desc = new byte[first.remaining()];
            first.get(desc);
            assertThat(new String(name, StandardCharsets.UTF_8)).isEqualTo("disk");
            assertThat(new String(desc, StandardCharsets.UTF_8)).isEqualTo("scratch disk");
        }
    }

    @Test
    void list_with_data_is_invalid_and_the_stream_stays_in_sync() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(Option.LIST, new byte[] {1, 2, 3});
            assertThat(c.reply().type()).isEqualTo(OptionReplyType.ERR_INVALID.code());
            c.go("disk");
        }
    }

    @Test
    void info_sends_export_name_description_and_block_size_then_go_says_the_same() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            byte[] req = bytes(InfoRequest.of("disk", InfoType.NAME, InfoType.DESCRIPTION, InfoType.BLOCK_SIZE));
            c.option(Option.INFO, req);
            List<OptionReply> info = c.replies();
            c.option(Option.GO, req);
            List<OptionReply> go = c.replies();
            assertThat(go).extracting(r -> List.of(r.type(), ByteBuffer.wrap(r.data())))
                    .containsExactlyInAnyOrderElementsOf(
                            info.stream().map(r -> List.of(r.type(), ByteBuffer.wrap(r.data()))).toList());
            ByteBuffer export = info.get(0).buf();
            assertThat(export.getShort()).isEqualTo((short) InfoType.EXPORT.code());
            assertThat(export.getLong()).isEqualTo(1 << 20);
            int flags = export.getShort() & 0xFFFF;
            assertThat(flags & TransmissionFlags.READ_ONLY).isZero();
            assertThat(flags).isEqualTo(server.export("disk").transmissionFlags(false));
            assertThat(info.subList(0, info.size() - 1)).extracting(r -> r.buf().getShort() & 0xFFFF).contains(
                    InfoType.NAME.code(), InfoType.DESCRIPTION.code(), InfoType.BLOCK_SIZE.code());
            OptionReply bs = info.stream().filter(r -> r.type() != ACK && r.buf().getShort() == InfoType.BLOCK_SIZE.code())
                    .findFirst().orElseThrow();
            ByteBuffer b = bs.buf();
            b.getShort();
            assertThat(List.of(b.getInt(), b.getInt(), b.getInt())).containsExactly(1, 4096, 64 << 20);
            assertThat(c.readSimple(1, 900_000, 8)).containsOnly(0); // GO entered transmission
        }
    }

    @Test
    void read_only_export_advertises_read_only_and_no_write_features() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(Option.INFO, bytes(InfoRequest.of("ro")));
            ByteBuffer export = c.replies().get(0).buf();
            export.getShort();
            export.getLong();
            int flags = export.getShort() & 0xFFFF;
            assertThat(flags & TransmissionFlags.READ_ONLY).isNotZero();
            assertThat(flags & (TransmissionFlags.SEND_TRIM | TransmissionFlags.SEND_WRITE_ZEROES
                    | TransmissionFlags.SEND_FUA | TransmissionFlags.SEND_FAST_ZERO)).isZero();
        }
    }

    @Test
    void unknown_options_and_starttls_get_err_unsup_and_negotiation_continues() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(4711, new byte[] {9, 9, 9, 9});
            assertThat(c.reply().type()).isEqualTo(OptionReplyType.ERR_UNSUP.code());
            c.option(Option.STARTTLS, new byte[0]);
            assertThat(c.reply().type()).isEqualTo(OptionReplyType.ERR_UNSUP.code());
            c.option(Option.PEEK_EXPORT, new byte[0]);
            assertThat(c.reply().type()).isEqualTo(OptionReplyType.ERR_UNSUP.code());
            c.go("disk");
            assertThat(c.writeSimple(1, 4096, new byte[] {7})).isZero();
        }
    }

    @Test
    void meta_context_queries_follow_the_spec_rules() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            // SET before structured replies is refused
            c.option(Option.SET_META_CONTEXT, bytes(new MetaContextRequest("disk", List.of("base:allocation"))));
            assertThat(c.reply().type()).isEqualTo(OptionReplyType.ERR_INVALID.code());
            c.option(Option.STRUCTURED_REPLY, new byte[0]);
            assertThat(c.reply().type()).isEqualTo(ACK);
            // LIST with no queries: every context
            assertThat(metaNames(c, Option.LIST_META_CONTEXT, List.of())).containsExactly("base:allocation");
            // "base:" is a wildcard in LIST, ignored in SET
            assertThat(metaNames(c, Option.LIST_META_CONTEXT, List.of("base:"))).containsExactly("base:allocation");
            assertThat(metaNames(c, Option.SET_META_CONTEXT, List.of("base:"))).isEmpty();
            // unknown namespaces and leaves are ignored
            assertThat(metaNames(c, Option.SET_META_CONTEXT, List.of("qemu:dirty-bitmap:x", "base:nothing")))
                    .isEmpty();
            assertThat(metaNames(c, Option.SET_META_CONTEXT, List.of("x-foo:bar", "base:allocation")))
                    .containsExactly("base:allocation");
            // a query length that overruns the option is invalid
            c.option(Option.LIST_META_CONTEXT, ByteBuffer.allocate(4 + 4 + 4 + 4).putInt(4).put("disk".getBytes())
                    .putInt(1).putInt(100).array());
            assertThat(c.reply().type()).isEqualTo(OptionReplyType.ERR_INVALID.code());
            // unknown export
            c.option(Option.SET_META_CONTEXT, bytes(new MetaContextRequest("nope", List.of("base:allocation"))));
            assertThat(c.reply().type()).isEqualTo(OptionReplyType.ERR_UNKNOWN.code());
        }
    }

    private static List<String> metaNames(RawClient c, Option o, List<String> queries) throws IOException {
        c.option(o, bytes(new MetaContextRequest("disk", queries)));
        List<OptionReply> replies = c.replies();
        assertThat(replies.get(replies.size() - 1).type()).isEqualTo(ACK);
        return replies.stream().filter(r -> r.type() == OptionReplyType.META_CONTEXT.code()).map(r -> {
            ByteBuffer b = r.buf();
            int id = b.getInt();
            if (o == Option.LIST_META_CONTEXT) {
                assertThat(id).isZero();
            }
            return StandardCharsets.UTF_8.decode(b).toString();
        }).toList();
    }

    @Test
    void extended_headers_are_acknowledged_and_rule_out_export_name() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(Option.EXTENDED_HEADERS, new byte[0]);
            assertThat(c.reply().type()).isEqualTo(ACK);
            c.option(Option.STRUCTURED_REPLY, new byte[0]);
            assertThat(c.reply().type()).isEqualTo(OptionReplyType.ERR_EXT_HEADER_REQD.code());
            c.option(Option.EXPORT_NAME, "disk".getBytes());
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void structured_reply_with_data_is_invalid() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(Option.STRUCTURED_REPLY, new byte[] {0});
            assertThat(c.reply().type()).isEqualTo(OptionReplyType.ERR_INVALID.code());
        }
    }

    @Test
    void info_for_a_missing_export_is_unknown_and_a_malformed_one_invalid() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(Option.INFO, bytes(InfoRequest.of("missing")));
            List<OptionReply> r = c.replies();
            assertThat(r).hasSize(1);
            assertThat(r.get(0).type()).isEqualTo(OptionReplyType.ERR_UNKNOWN.code());
            c.option(Option.INFO, ByteBuffer.allocate(6).putInt(1000).putShort((short) 0).array());
            assertThat(c.reply().type()).isEqualTo(OptionReplyType.ERR_INVALID.code());
            c.go("disk");
        }
    }
}
