package io.nbdtk.testkit;

import static io.nbdtk.server.filter.RequestKind.FLUSH;
import static io.nbdtk.server.filter.RequestKind.READ;
import static io.nbdtk.server.filter.RequestKind.WRITE;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.server.filter.Recording;
import io.nbdtk.server.filter.RequestKind;
import org.junit.jupiter.api.Test;

class RecordingAssertTest {
    private final Recording rec = new Recording();
    private final Traffic traffic = new LocalTraffic(rec);

    private long begin(RequestKind kind, long offset, long length) {
        return rec.begin("disk", 1, 0, kind, offset, length, 0);
    }

    private void done(RequestKind kind, long offset, long length) {
        rec.end(begin(kind, offset, length), null);
    }

    @Test
    void flushAfterTheLastWritePassesOnlyWhenTheFlushCameAfterTheWriteReply() {
        long w = begin(WRITE, 0, 4096);
        done(FLUSH, 0, 0); // sent while the write was still in flight: does not cover it
        rec.end(w, null);
        assertThatThrownBy(() -> NbdAssertions.assertThat(traffic).hasFlushAfterLastWrite())
                .hasMessageContaining("none followed");
        done(FLUSH, 0, 0);
        assertThatCode(() -> NbdAssertions.assertThat(traffic).hasFlushAfterLastWrite()).doesNotThrowAnyException();
    }

    @Test
    void lengthAndAlignmentChecksNameTheOffenders() {
        done(READ, 0, 4096);
        done(READ, 512, 4096);
        done(WRITE, 0, 65536);
        assertThatThrownBy(() -> NbdAssertions.assertThat(traffic).hasReadsAlignedTo(4096))
                .hasMessageContaining("offset=512");
        assertThatThrownBy(() -> NbdAssertions.assertThat(traffic).hasNoRequestLongerThan(32768))
                .hasMessageContaining("length=65536");
        assertThatCode(() -> NbdAssertions.assertThat(traffic).hasReadsAlignedTo(512).hasNoRequestLongerThan(65536)
                .hasWritesAlignedTo(4096)).doesNotThrowAnyException();
    }

    @Test
    void inFlightCountsOverlappingRequests() {
        long a = begin(READ, 0, 1);
        long b = begin(READ, 1, 1);
        rec.end(a, null);
        long c = begin(READ, 2, 1);
        rec.end(b, null);
        rec.end(c, null);
        assertThatCode(() -> NbdAssertions.assertThat(traffic).hadAtMostInFlight(2).hadAtLeastInFlight(2))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> NbdAssertions.assertThat(traffic).hadAtMostInFlight(1))
                .hasMessageContaining("saw 2");
    }

    @Test
    void countsOrderAndSuccess() {
        done(WRITE, 0, 1);
        rec.end(begin(READ, 0, 1), "EIO");
        assertThatCode(() -> NbdAssertions.assertThat(traffic).hasCount(READ, 1).hasKindsInOrder(WRITE, READ)
                .onlyKinds(WRITE).allSucceeded()).doesNotThrowAnyException();
        assertThatThrownBy(() -> NbdAssertions.assertThat(traffic).allSucceeded()).hasMessageContaining("EIO");
    }
}
