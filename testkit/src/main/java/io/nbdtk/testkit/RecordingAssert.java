package io.nbdtk.testkit;

import io.nbdtk.server.filter.RecordedRequest;
import io.nbdtk.server.filter.RequestKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.assertj.core.api.AbstractAssert;

/**
 * AssertJ assertions on recorded traffic, for the properties client tests usually check. Get one
 * with {@link NbdAssertions#assertThat(Traffic)}; failures list the offending requests.
 */
public final class RecordingAssert extends AbstractAssert<RecordingAssert, List<RecordedRequest>> {

    RecordingAssert(List<RecordedRequest> requests) {
        super(List.copyOf(requests), RecordingAssert.class);
    }

    /** Narrows the assertions that follow to requests of these kinds. */
    public RecordingAssert onlyKinds(RequestKind... kinds) {
        Set<RequestKind> set = Set.of(kinds);
        return new RecordingAssert(filter(r -> set.contains(r.command())));
    }

    /** Narrows the assertions that follow to one connection. */
    public RecordingAssert onConnection(long connection) {
        return new RecordingAssert(filter(r -> r.connection() == connection));
    }

    /** A FLUSH was sent after the reply to the last WRITE (or ZERO/TRIM) arrived, and it succeeded. */
    public RecordingAssert hasFlushAfterLastWrite() {
        isNotNull();
        Set<RequestKind> writes = Set.of(RequestKind.WRITE, RequestKind.ZERO, RequestKind.TRIM);
        Optional<RecordedRequest> lastWrite = actual.stream().filter(r -> writes.contains(r.command()))
                .max(Comparator.comparingLong(r -> r.completed() ? r.endSeq() : Long.MAX_VALUE));
        if (lastWrite.isEmpty()) {
            return myself;
        }
        RecordedRequest w = lastWrite.get();
        if (!w.completed()) {
            failWithMessage("Expected a FLUSH after the last write, but the write is still in flight: %s", w);
        }
        boolean flushed = actual.stream().anyMatch(r -> r.command() == RequestKind.FLUSH
                && r.startSeq() > w.endSeq() && r.completed() && !r.failed());
        if (!flushed) {
            failWithMessage("Expected a successful FLUSH sent after the last write was acknowledged, "
                    + "but none followed:%n  last write: %s%n  flushes: %s", w,
                    list(filter(r -> r.command() == RequestKind.FLUSH)));
        }
        return myself;
    }

    /** No request asked for more than {@code maxLength} bytes (READ and WRITE, as the block size limits them). */
    public RecordingAssert hasNoRequestLongerThan(long maxLength) {
        isNotNull();
        List<RecordedRequest> bad = filter(r -> (r.command() == RequestKind.READ || r.command() == RequestKind.WRITE)
                && r.length() > maxLength);
        if (!bad.isEmpty()) {
            failWithMessage("Expected no READ/WRITE longer than %d bytes, but found %d:%n%s", maxLength, bad.size(),
                    list(bad));
        }
        return myself;
    }

    /** Every READ started and ended on a multiple of {@code alignment}. */
    public RecordingAssert hasReadsAlignedTo(long alignment) {
        return hasAligned(RequestKind.READ, alignment);
    }

    /** Every WRITE started and ended on a multiple of {@code alignment}. */
    public RecordingAssert hasWritesAlignedTo(long alignment) {
        return hasAligned(RequestKind.WRITE, alignment);
    }

    private RecordingAssert hasAligned(RequestKind kind, long alignment) {
        isNotNull();
        List<RecordedRequest> bad = filter(r -> r.command() == kind
                && (r.offset() % alignment != 0 || r.length() % alignment != 0));
        if (!bad.isEmpty()) {
            failWithMessage("Expected every %s aligned to %d bytes, but %d were not:%n%s", kind, alignment, bad.size(),
                    list(bad));
        }
        return myself;
    }

    /** Never more than {@code k} requests were in flight at once (per the order of arrivals and replies). */
    public RecordingAssert hadAtMostInFlight(int k) {
        isNotNull();
        int peak = peakInFlight(actual);
        if (peak > k) {
            failWithMessage("Expected at most %d requests in flight at once, but saw %d", k, peak);
        }
        return myself;
    }

    /** At some moment at least {@code k} requests were in flight at once (the client really pipelines). */
    public RecordingAssert hadAtLeastInFlight(int k) {
        isNotNull();
        int peak = peakInFlight(actual);
        if (peak < k) {
            failWithMessage("Expected at least %d requests in flight at once, but the peak was %d", k, peak);
        }
        return myself;
    }

    /** Exactly {@code n} requests of {@code kind} were recorded. */
    public RecordingAssert hasCount(RequestKind kind, int n) {
        isNotNull();
        List<RecordedRequest> of = filter(r -> r.command() == kind);
        if (of.size() != n) {
            failWithMessage("Expected %d %s requests but found %d:%n%s", n, kind, of.size(), list(of));
        }
        return myself;
    }

    /** The request kinds, in order of arrival, are exactly these. */
    public RecordingAssert hasKindsInOrder(RequestKind... kinds) {
        isNotNull();
        List<RequestKind> got = actual.stream().map(RecordedRequest::command).collect(Collectors.toList());
        if (!got.equals(Arrays.asList(kinds))) {
            failWithMessage("Expected requests %s but found %s", Arrays.asList(kinds), got);
        }
        return myself;
    }

    /** Every request got a successful reply. */
    public RecordingAssert allSucceeded() {
        isNotNull();
        List<RecordedRequest> bad = filter(r -> r.command() != RequestKind.DISC && (!r.completed() || r.failed()));
        if (!bad.isEmpty()) {
            failWithMessage("Expected every request to succeed, but these did not:%n%s", list(bad));
        }
        return myself;
    }

    static int peakInFlight(List<RecordedRequest> requests) {
        List<long[]> events = new ArrayList<>();
        for (RecordedRequest r : requests) {
            if (r.command() == RequestKind.DISC) {
                continue; // never answered
            }
            events.add(new long[] {r.startSeq(), +1});
            if (r.completed()) {
                events.add(new long[] {r.endSeq(), -1});
            }
        }
        events.sort(Comparator.comparingLong(e -> e[0]));
        int now = 0;
        int peak = 0;
        for (long[] e : events) {
            now += (int) e[1];
            peak = Math.max(peak, now);
        }
        return peak;
    }

    private List<RecordedRequest> filter(Predicate<RecordedRequest> p) {
        return actual.stream().filter(p).collect(Collectors.toList());
    }

    private static String list(List<RecordedRequest> rs) {
        return rs.stream().limit(20).map(r -> "  " + r).collect(Collectors.joining("\n"))
                + (rs.size() > 20 ? "\n  ... " + (rs.size() - 20) + " more" : "");
    }
}
