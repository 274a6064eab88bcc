package io.nbdtk.server.acl;

import static io.nbdtk.server.acl.OptionProbe.ERR_INVALID;
import static io.nbdtk.server.acl.OptionProbe.ERR_POLICY;
import static io.nbdtk.server.acl.OptionProbe.ERR_TLS_REQD;
import static io.nbdtk.server.acl.OptionProbe.ERR_UNKNOWN;
import static io.nbdtk.server.acl.OptionProbe.REP_ACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.NbdServer;
import io.nbdtk.server.tls.ServerTls;
import io.nbdtk.server.tls.TestCertificates;
import io.nbdtk.server.tls.TlsClients;
import io.nbdtk.server.tls.TlsGate;
import io.nbdtk.server.tls.TlsMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drop-in handshake policy on a real server, observed on the wire. */
class AccessPolicyTest {
    @TempDir
    static Path dir;

    static TestCertificates pki;
    static ServerTls serverTls;
    static SSLContext client;

    NbdServer server;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestCertificates.create(Files.createDirectory(dir.resolve("pki")));
        serverTls = ServerTls.fromPem(pki.serverCert(), pki.serverKey(), Optional.empty());
        client = TlsClients.trusting(pki.ca(), null, null);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private AccessPolicy start(TlsMode mode, boolean allowList, OptionalInt serverLimit) throws Exception {
        Optional<ServerTls> tls = mode == TlsMode.OFF ? Optional.empty() : Optional.of(serverTls);
        AccessPolicy policy = new AccessPolicy(new TlsGate(mode, tls.isPresent()), tls, allowList,
                new ConnectionLimits(serverLimit));
        server = NbdServer.builder()
                .export(ExportSpec.of("open", new ExportSpec.Memory(1 << 20)))
                .export(ExportSpec.of("secret", new ExportSpec.Memory(1 << 20)))
                .policy(policy)
                .listenLoopback()
                .start();
        return policy;
    }

    private OptionProbe probe() throws Exception {
        return new OptionProbe(server.tcpAddress()).greet();
    }

    @Test
    void forcedTlsRefusesEverythingButStartTlsUntilTlsIsUp() throws Exception {
        start(TlsMode.REQUIRED, true, OptionalInt.empty());
        try (OptionProbe p = probe()) {
            assertThat(p.list().type()).isEqualTo(ERR_TLS_REQD);
            assertThat(p.info("open")).isEqualTo(ERR_TLS_REQD);
            assertThat(p.go("open")).isEqualTo(ERR_TLS_REQD);
            assertThat(p.go("no-such-export")).isEqualTo(ERR_TLS_REQD);
            assertThat(p.option(OptionProbe.OPT_STRUCTURED_REPLY, new byte[0]).type()).isEqualTo(ERR_TLS_REQD);
            assertThat(p.option(4711, new byte[0]).type()).isEqualTo(ERR_TLS_REQD);

            assertThat(p.startTls(client)).isEqualTo(REP_ACK);

            assertThat(p.list().servers()).containsExactly("open", "secret");
            assertThat(p.startTls(client)).isEqualTo(ERR_INVALID);
            assertThat(p.go("open")).isEqualTo(REP_ACK);
        }
    }

    @Test
    void forcedTlsDropsExportNameBeforeTls() throws Exception {
        start(TlsMode.REQUIRED, true, OptionalInt.empty());
        try (OptionProbe p = probe()) {
            assertThat(p.exportName("open")).isFalse();
        }
    }

    @Test
    void selectiveTlsHidesAndRefusesTlsOnlyExportsUntilTls() throws Exception {
        AccessPolicy policy = start(TlsMode.OPTIONAL, true, OptionalInt.empty());
        policy.put("secret", new AccessPolicy.ExportRules(true, Optional.empty(), OptionalInt.empty()));
        try (OptionProbe p = probe()) {
            assertThat(p.list().servers()).containsExactly("open");
            assertThat(p.info("secret")).isEqualTo(ERR_TLS_REQD);
            assertThat(p.go("secret")).isEqualTo(ERR_TLS_REQD);
            assertThat(p.go("nothing")).isEqualTo(ERR_UNKNOWN);

            assertThat(p.startTls(client)).isEqualTo(REP_ACK);

            assertThat(p.list().servers()).containsExactly("open", "secret");
            assertThat(p.go("secret")).isEqualTo(REP_ACK);
        }
        try (OptionProbe p = probe()) {
            assertThat(p.exportName("secret")).isFalse();
        }
        try (OptionProbe p = probe()) {
            assertThat(p.go("open")).isEqualTo(REP_ACK);
        }
    }

    @Test
    void listingIsRefusedUnlessAllowedLikeTheReferenceAllowlistKey() throws Exception {
        start(TlsMode.OFF, false, OptionalInt.empty());
        try (OptionProbe p = probe()) {
            assertThat(p.list().type()).isEqualTo(ERR_POLICY);
            assertThat(p.go("open")).isEqualTo(REP_ACK);
        }
    }

    @Test
    void authfileRefusesUnlistedClientsWithErrPolicyAndDropsExportName() throws Exception {
        Path allow = dir.resolve("allow-" + System.nanoTime());
        Files.writeString(allow, "192.0.2.0/24\n");
        AccessPolicy policy = start(TlsMode.OFF, true, OptionalInt.empty());
        policy.put("secret", new AccessPolicy.ExportRules(false, Optional.of(new AuthFile(allow)), OptionalInt.empty()));

        try (OptionProbe p = probe()) {
            assertThat(p.info("secret")).isEqualTo(ERR_POLICY);
            assertThat(p.go("secret")).isEqualTo(ERR_POLICY);
            assertThat(p.go("open")).isEqualTo(REP_ACK);
        }
        try (OptionProbe p = probe()) {
            assertThat(p.exportName("secret")).isFalse();
        }

        Files.writeString(allow, "192.0.2.0/24\n127.0.0.0/8\n::1\n");
        try (OptionProbe p = probe()) {
            assertThat(p.go("secret")).isEqualTo(REP_ACK);
        }
    }

    @Test
    void exportMaxConnectionsRefusesTheNextClientUntilOneLeaves() throws Exception {
        AccessPolicy policy = start(TlsMode.OFF, true, OptionalInt.empty());
        policy.put("secret", new AccessPolicy.ExportRules(false, Optional.empty(), OptionalInt.of(1)));

        try (OptionProbe first = probe()) {
            assertThat(first.go("secret")).isEqualTo(REP_ACK);
            try (OptionProbe second = probe()) {
                assertThat(second.go("secret")).isEqualTo(ERR_POLICY);
                assertThat(second.go("open")).isEqualTo(REP_ACK);
            }
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (OptionProbe again = probe()) {
                assertThat(again.go("secret")).isEqualTo(REP_ACK);
            }
        });
    }

    @Test
    void serverMaxConnectionsClosesExtraConnectionsAtOnce() throws Exception {
        start(TlsMode.OFF, true, OptionalInt.of(1));
        try (OptionProbe first = probe()) {
            try (OptionProbe second = new OptionProbe(server.tcpAddress())) {
                assertThat(second.closedByServer()).isTrue();
            }
            assertThat(first.go("open")).isEqualTo(REP_ACK);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (OptionProbe again = probe()) {
                assertThat(again.go("open")).isEqualTo(REP_ACK);
            }
        });
    }

    @Test
    void withoutTlsStartTlsIsRefusedAndTlsOnlyExportsAreUnavailable() throws Exception {
        AccessPolicy policy = start(TlsMode.OFF, true, OptionalInt.empty());
        policy.put("secret", new AccessPolicy.ExportRules(true, Optional.empty(), OptionalInt.empty()));
        try (OptionProbe p = probe()) {
            assertThat(p.startTls(client)).isNotEqualTo(REP_ACK);
            assertThat(p.go("secret")).isEqualTo(ERR_POLICY);
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheExportTimeout() throws Exception {
        AccessPolicy policy = start(TlsMode.OFF, true, OptionalInt.empty());
        policy.put("secret", new AccessPolicy.ExportRules(false, Optional.empty(), OptionalInt.empty(),
                Duration.ofSeconds(1)));
        try (OptionProbe p = probe()) {
            assertThat(p.go("secret")).isEqualTo(REP_ACK);
            assertThat(p.closedByServer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionCount() == 0);
    }
}
