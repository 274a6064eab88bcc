package io.nbdtk.testkit;

import static io.nbdtk.server.filter.RequestKind.BLOCK_STATUS;
import static io.nbdtk.server.filter.RequestKind.CACHE;
import static io.nbdtk.server.filter.RequestKind.FLUSH;
import static io.nbdtk.server.filter.RequestKind.READ;
import static io.nbdtk.server.filter.RequestKind.TRIM;
import static io.nbdtk.server.filter.RequestKind.WRITE;
import static io.nbdtk.server.filter.RequestKind.ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.client.ClientOptions;
import io.nbdtk.client.NbdClient;
import io.nbdtk.client.NbdCommandException;
import io.nbdtk.client.NbdOptionException;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.protocol.OptionReplyType;
import io.nbdtk.server.filter.Feature;
import io.nbdtk.server.filter.RecordedRequest;
import io.nbdtk.server.filter.RequestKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Our own client (io.nbdtk.client) under each kind of fault, driven the way a user's test would. */
class OurClientUnderFaultsTest {
    @RegisterExtension
    static NbdServerExtension nbd = new NbdServerExtension().withExport("disk", 1 << 20);

    private static NbdClient connect() throws IOException {
        return NbdClient.connect(nbd.uri("disk").toString());
    }

    @Test
    void theNthReadFailsWithTheChosenErrorAndTheOthersSucceed() throws Exception {
        nbd.faults().add(Faults.on(READ).nth(2).error("EIO"));
        try (NbdClient c = connect()) {
            c.read(0, 512);
            assertThatThrownBy(() -> c.read(512, 512)).isInstanceOfSatisfying(NbdCommandException.class,
                    e -> assertThat(e.error()).isEqualTo(NbdError.EIO));
            c.read(1024, 512); // one failed request does not break the connection
        }
        assertThat(nbd.traffic().requests()).filteredOn(r -> r.command() == READ)
                .extracting(RecordedRequest::error).containsExactly(null, "EIO", null);
    }

    @Test
    void writesInARangeFailWithEnospcTheGivenNumberOfTimes() throws Exception {
        nbd.faults().add(Faults.on(WRITE).inRange(64 << 10, 128 << 10).times(2).error("ENOSPC"));
        try (NbdClient c = connect()) {
            c.write(0, new byte[4096]);
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> c.write(64 << 10, new byte[4096]))
                        .isInstanceOfSatisfying(NbdCommandException.class,
                                e -> assertThat(e.error()).isEqualTo(NbdError.ENOSPC));
            }
            c.write(64 << 10, new byte[4096]);
        }
    }

    @Test
    void everyCommandCanBeFailedOnItsOwn() throws Exception {
        nbd.faults().add(Faults.on(TRIM).error("EPERM"), Faults.on(ZERO).error("ENOSPC"),
                Faults.on(BLOCK_STATUS).error("EINVAL"), Faults.on(CACHE).error("ENOMEM"),
                Faults.on(FLUSH).error("EIO"));
        try (NbdClient c = connect()) {
            assertError(() -> c.trim(0, 4096, 0), NbdError.EPERM);
            assertError(() -> c.zero(0, 4096, 0), NbdError.ENOSPC);
            assertError(() -> c.blockStatus(0, 4096, 0), NbdError.EINVAL);
            assertError(() -> c.cache(0, 4096), NbdError.ENOMEM);
            assertError(c::flush, NbdError.EIO);
            c.write(0, new byte[512]); // only the chosen kinds fail
            c.read(0, 512);
        }
        NbdAssertions.assertThat(nbd.traffic()).onlyKinds(READ, WRITE).allSucceeded();
    }

    @Test
    void anInjectedEshutdownMakesOurClientWindDown() throws Exception {
        nbd.faults().add(Faults.on(FLUSH).once().error("ESHUTDOWN"));
        try (NbdClient c = connect()) {
            assertError(c::flush, NbdError.ESHUTDOWN);
            // ESHUTDOWN means the server is going away: the client disconnects softly (DISC)
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(c::isClosed);
        }
        NbdAwait.until(nbd.traffic(), "a DISC", rs -> rs.stream().anyMatch(r -> r.command() == RequestKind.DISC));
        try (NbdClient c = connect()) {
            c.read(0, 512); // the fault fired once
        }
    }

    private static void assertError(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, NbdError error) {
        assertThatThrownBy(call).isInstanceOfSatisfying(NbdCommandException.class,
                e -> assertThat(e.error()).isEqualTo(error));
    }

    @Test
    void seededRandomErrorsRepeatExactly() throws Exception {
        List<Boolean> first = randomFailures();
        List<Boolean> second = randomFailures();
        assertThat(first).isEqualTo(second).contains(true, false);
    }

    private static List<Boolean> randomFailures() throws IOException {
        nbd.faults().set(List.of(Faults.on(READ).withProbability(0.5, 1234).error("EIO")));
        List<Boolean> failed = new ArrayList<>();
        try (NbdClient c = connect()) {
            for (int i = 0; i < 32; i++) {
                try {
                    c.read(0, 512);
                    failed.add(false);
                } catch (NbdCommandException e) {
                    failed.add(true);
                }
            }
        }
        return failed;
    }

    @Test
    void aStalledFlushWaitsUntilReleased() throws Exception {
        nbd.faults().add(Faults.on(FLUSH).stall("flush"));
        try (NbdClient c = connect()) {
            c.write(0, new byte[512]);
            CompletableFuture<Void> flush = c.flushAsync();
            NbdAwait.untilStalled(nbd.faults(), "flush", 1);
            assertThat(flush).isNotDone();
            nbd.faults().release("flush");
            flush.get(30, TimeUnit.SECONDS);
        }
        NbdAssertions.assertThat(nbd.traffic()).hasFlushAfterLastWrite();
    }

    @Test
    void pipelinedReadsAreAllInFlightAtOnce() throws Exception {
        nbd.faults().add(Faults.on(READ).stall("reads"));
        try (NbdClient c = connect()) {
            List<CompletableFuture<Void>> reads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                reads.add(c.readAsync(i * 4096L, ByteBuffer.allocate(4096)));
            }
            NbdAwait.untilStalled(nbd.faults(), "reads", 4);
            nbd.faults().release("reads");
            CompletableFuture.allOf(reads.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
        }
        NbdAssertions.assertThat(nbd.traffic()).hadAtLeastInFlight(4).hadAtMostInFlight(4);
    }

    @Test
    void delaysHoldRequestsAtLeastAsLongAsAsked() throws Exception {
        nbd.faults().add(Faults.on(READ).delay(Duration.ofMillis(50), Duration.ofMillis(10)));
        try (NbdClient c = connect()) {
            c.read(0, 512);
        }
        RecordedRequest read = NbdAwait.untilCompleted(nbd.traffic(), READ, 1).stream()
                .filter(r -> r.command() == READ).findFirst().orElseThrow();
        assertThat(read.durationNanos()).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
    }

    @Test
    void aDisconnectAfterNRequestsEndsTheConnection() throws Exception {
        nbd.faults().add(Faults.disconnectAfterRequests(2));
        try (NbdClient c = connect()) {
            c.read(0, 512);
            c.read(0, 512);
            assertThatThrownBy(() -> c.read(0, 512)).isInstanceOf(IOException.class);
        }
        try (NbdClient c = connect()) {
            c.read(0, 512); // the fault fired once; a new connection works
        }
    }

    @Test
    void aDisconnectAfterNBytesEndsTheConnection() throws Exception {
        nbd.faults().add(Faults.disconnectAfterBytes(8192));
        try (NbdClient c = connect()) {
            c.read(0, 8192);
            assertThatThrownBy(() -> c.read(0, 1)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aReplyCutInTheMiddleFailsTheRead() throws Exception {
        nbd.faults().add(Faults.on(READ).once().cutReply());
        try (NbdClient c = connect()) {
            assertThatThrownBy(() -> c.read(0, 4096)).isInstanceOf(IOException.class)
                    .isNotInstanceOf(NbdCommandException.class);
        }
        assertThat(nbd.traffic().requests()).filteredOn(r -> r.command() == READ)
                .extracting(RecordedRequest::error).containsExactly("NO_REPLY");
    }

    @Test
    void cutAndMalformedRepliesAreRejectedWithSimpleRepliesToo() throws Exception {
        nbd.faults().add(Faults.hide(Feature.STRUCTURED_REPLIES), Faults.on(READ).nth(1).cutReply(),
                Faults.on(READ).nth(2).unknownCookieReply());
        try (NbdClient c = connect()) {
            assertThat(c.info().canDf()).isFalse();
            assertThatThrownBy(() -> c.read(0, 4096)).isInstanceOf(IOException.class)
                    .isNotInstanceOf(NbdCommandException.class);
        }
        try (NbdClient c = connect()) {
            assertThatThrownBy(() -> c.read(0, 4096)).isInstanceOf(IOException.class)
                    .isNotInstanceOf(NbdCommandException.class);
        }
        assertThat(nbd.traffic().requests()).filteredOn(r -> r.command() == READ)
                .extracting(RecordedRequest::error).containsExactly("NO_REPLY", "MALFORMED");
    }

    @Test
    void aReplyWithBadMagicIsRejected() throws Exception {
        nbd.faults().add(Faults.on(READ).once().badMagicReply());
        try (NbdClient c = connect()) {
            assertThatThrownBy(() -> c.read(0, 512)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aReplyWithAnUnknownCookieIsRejected() throws Exception {
        nbd.faults().add(Faults.on(WRITE).once().unknownCookieReply());
        try (NbdClient c = connect()) {
            assertThatThrownBy(() -> c.write(0, new byte[512])).isInstanceOf(IOException.class);
        }
    }

    @Test
    void hiddenFeaturesAreNotAdvertised() throws Exception {
        try (NbdClient c = connect()) {
            assertThat(c.info().canTrim()).isTrue();
            assertThat(c.info().canMultiConn()).isTrue();
        }
        nbd.faults().add(Faults.hide(Feature.TRIM, Feature.MULTI_CONN, Feature.STRUCTURED_REPLIES,
                Feature.BLOCK_STATUS));
        try (NbdClient c = connect()) {
            assertThat(c.info().canTrim()).isFalse();
            assertThat(c.info().canMultiConn()).isFalse();
            assertThat(c.info().canDf()).isFalse(); // DF exists only with structured replies
            assertThat(c.info().canBlockStatus()).isFalse();
            c.write(0, new byte[] {5});
            assertThat(c.read(0, 1)).containsExactly(5);
        }
    }

    @Test
    void refusedOptionsReachTheClient() throws Exception {
        nbd.faults().add(Faults.refuseOption("STRUCTURED_REPLY"), Faults.refuseOption("EXTENDED_HEADERS"));
        try (NbdClient c = connect()) {
            assertThat(c.info().canDf()).isFalse(); // fell back to simple replies
            c.write(0, new byte[] {3});
            assertThat(c.read(0, 1)).containsExactly(3);
        }
        nbd.faults().set(List.of(Faults.refuseOption("GO")));
        // Our client does not fall back to EXPORT_NAME (the spec's SHOULD); it reports the refusal.
        assertThatThrownBy(OurClientUnderFaultsTest::connect).isInstanceOfSatisfying(NbdOptionException.class,
                e -> assertThat(e.knownReplyType()).isEqualTo(OptionReplyType.ERR_UNSUP));
    }

    @Test
    void aConnectionDroppedDuringNegotiationFailsOnlyThatAttempt() throws Exception {
        nbd.faults().add(Faults.dropAtOption("GO", 1));
        ClientOptions quick = ClientOptions.defaults().withHandshakeTimeout(Duration.ofSeconds(10));
        assertThatThrownBy(() -> NbdClient.connect(nbd.uri("disk").toString()))
                .isInstanceOf(IOException.class);
        try (NbdClient c = NbdClient.connect(io.nbdtk.protocol.NbdUri.parse(nbd.uri("disk").toString()), quick)) {
            c.read(0, 512);
        }
    }
}
