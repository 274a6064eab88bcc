package io.nbdtk.server.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.client.NbdClient;
import io.nbdtk.client.NbdCommandException;
import io.nbdtk.client.NbdOptionException;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.HandshakePolicy;
import io.nbdtk.server.NbdServer;
import io.nbdtk.server.filter.FaultSpec;
import io.nbdtk.server.filter.RecordedRequest;
import io.nbdtk.server.filter.RequestKind;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The instrumentation installed in a real server, seen through our client. */
class InstrumentationTest {
    private final Instrumentation inst = new Instrumentation();
    private NbdServer server;

    @BeforeEach
    void start() throws IOException {
        server = NbdServer.builder().listenLoopback().hook(inst).policy(inst.policy(HandshakePolicy.OPEN))
                .export(ExportSpec.of("disk", new ExportSpec.Memory(1 << 20))).start();
    }

    @AfterEach
    void stop() {
        inst.faults().clear();
        server.close();
    }

    private NbdClient connect() throws IOException {
        return NbdClient.connect("nbd://127.0.0.1:" + server.tcpAddress().getPort() + "/disk");
    }

    @Test
    void recordsEveryRequestWithItsConnectionAndReply() throws IOException {
        try (NbdClient c = connect()) {
            c.write(4096, new byte[512]);
            c.read(4096, 512);
        }
        inst.awaitQuiet(Duration.ofSeconds(5));
        assertThat(inst.recording().requests()).filteredOn(r -> r.command() != RequestKind.DISC)
                .extracting(RecordedRequest::command, RecordedRequest::offset, RecordedRequest::length,
                        RecordedRequest::connection, RecordedRequest::completed, RecordedRequest::error)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(RequestKind.WRITE, 4096L, 512L, 1L, true, null),
                        org.assertj.core.groups.Tuple.tuple(RequestKind.READ, 4096L, 512L, 1L, true, null));
    }

    @Test
    void injectedErrorsReachTheClientAndTheRecording() throws IOException {
        inst.faults().set(FaultSpec.parse("error=ENOSPC,ops=write"));
        try (NbdClient c = connect()) {
            assertThatThrownBy(() -> c.write(0, new byte[1])).isInstanceOfSatisfying(NbdCommandException.class,
                    e -> assertThat(e.error()).isEqualTo(NbdError.ENOSPC));
        }
        inst.awaitQuiet(Duration.ofSeconds(5));
        assertThat(inst.recording().requests()).filteredOn(r -> r.command() == RequestKind.WRITE)
                .extracting(RecordedRequest::error).containsExactly("ENOSPC");
    }

    @Test
    void hiddenFlagsAreNotAdvertisedAndRefusedOptionsAreRefused() throws IOException {
        inst.faults().set(FaultSpec.parse("hide=multi-conn|trim|fua"));
        try (NbdClient c = connect()) {
            assertThat(c.info().canMultiConn()).isFalse();
            assertThat(c.info().canTrim()).isFalse();
            assertThat(c.info().canFua()).isFalse();
            assertThat(c.info().canFlush()).isTrue();
        }
        inst.faults().set(FaultSpec.parse("refuse-option=GO; refuse-option=EXPORT_NAME"));
        assertThatThrownBy(this::connect).isInstanceOf(IOException.class);
    }

    @Test
    void aDroppedRequestIsRecordedAsUnanswered() throws IOException {
        inst.faults().set(FaultSpec.parse("disconnect,ops=flush"));
        try (NbdClient c = connect()) {
            assertThatThrownBy(c::flush).isInstanceOf(IOException.class).isNotInstanceOf(NbdOptionException.class);
        }
        inst.awaitQuiet(Duration.ofSeconds(5));
        assertThat(inst.recording().requests()).filteredOn(r -> r.command() == RequestKind.FLUSH)
                .extracting(RecordedRequest::error).containsExactly("NO_REPLY");
    }
}
