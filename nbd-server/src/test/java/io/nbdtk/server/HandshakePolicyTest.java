package io.nbdtk.server;

import static io.nbdtk.server.RawClient.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.protocol.InfoRequest;
import io.nbdtk.protocol.Option;
import io.nbdtk.protocol.OptionReplyType;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The hook access control and TLS plug into: refusals, hidden exports, STARTTLS offer. */
class HandshakePolicyTest {
    NbdServer server;

    /** Hides and refuses the export "secret"; everything else passes. */
    static final class NoSecrets implements HandshakePolicy {
        @Override
        public Refusal check(Peer peer, Option option, Export export) {
            if (export != null && export.name().equals("secret")) {
                return new Refusal(OptionReplyType.ERR_POLICY, "not for " + peer.remote());
            }
            return null;
        }

        @Override
        public boolean lists(Peer peer, Export export) {
            return !export.name().equals("secret");
        }
    }

    @BeforeEach
    void start() throws IOException {
        server = NbdServer.builder().listenLoopback().policy(new NoSecrets())
                .export(ExportSpec.of("open", new ExportSpec.Memory(1 << 20)))
                .export(ExportSpec.of("secret", new ExportSpec.Memory(1 << 20)))
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void refused_exports_get_the_policy_error_and_are_not_listed() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(Option.LIST, new byte[0]);
            List<RawClient.OptionReply> list = c.replies();
            assertThat(list).hasSize(2); // "open", then ACK
            c.option(Option.GO, bytes(InfoRequest.of("secret")));
            RawClient.OptionReply r = c.reply();
            assertThat(r.type()).isEqualTo(OptionReplyType.ERR_POLICY.code());
            assertThat(r.text()).startsWith("not for ");
            c.go("open");
        }
    }

    @Test
    void export_name_for_a_refused_export_disconnects() throws IOException {
        try (RawClient c = RawClient.connect(server)) {
            c.greet();
            c.option(Option.EXPORT_NAME, "secret".getBytes());
            assertThat(c.closedByServer()).isTrue();
        }
    }
}
