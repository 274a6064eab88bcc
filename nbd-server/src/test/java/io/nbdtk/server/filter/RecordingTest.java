package io.nbdtk.server.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecordingTest {

    @Test
    void recordsRequestsAndTheirRepliesInOrder() {
        Recording r = new Recording();
        long w = r.begin("disk", 1, 10, RequestKind.WRITE, 0, 4096, RecordedRequest.FLAG_FUA);
        long f = r.begin("disk", 1, 11, RequestKind.FLUSH, 0, 0, 0);
        r.end(f, null);
        r.end(w, "ENOSPC");
        List<RecordedRequest> got = r.requests();
        assertThat(got).extracting(RecordedRequest::command).containsExactly(RequestKind.WRITE, RequestKind.FLUSH);
        RecordedRequest write = got.get(0);
        assertThat(write.error()).isEqualTo("ENOSPC");
        assertThat(write.hasFlag(RecordedRequest.FLAG_FUA)).isTrue();
        assertThat(write.startSeq()).isEqualTo(0);
        assertThat(write.endSeq()).isEqualTo(3);
        assertThat(got.get(1).endSeq()).isEqualTo(2);
        assertThat(write.durationNanos()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void jsonRoundTripKeepsEveryField() {
        Recording r = new Recording();
        r.end(r.begin("disk", 2, 7, RequestKind.READ, 512, 1024, 0), null);
        r.begin("disk", 2, 8, RequestKind.BLOCK_STATUS, 0, 65536, 1);
        String json = r.toJson();
        assertThat(json).contains("\"command\":\"READ\"").contains("\"cookie\":7");
        assertThat(Recording.fromJson(json)).isEqualTo(r.requests());
        assertThat(Recording.fromJson(json).get(1).completed()).isFalse();
    }

    @Test
    void clearForgetsAndDisabledRecordsNothing() {
        Recording r = new Recording();
        long h = r.begin("disk", 1, 1, RequestKind.READ, 0, 1, 0);
        r.clear();
        r.end(h, null);
        r.enable(false);
        assertThat(r.begin("disk", 1, 2, RequestKind.READ, 0, 1, 0)).isEqualTo(-1);
        assertThat(r.requests()).isEmpty();
    }

    @Test
    void rejectsTextThatIsNotARecording() {
        assertThatThrownBy(() -> Recording.fromJson("{\"x\":")).isInstanceOf(IllegalArgumentException.class);
    }
}
