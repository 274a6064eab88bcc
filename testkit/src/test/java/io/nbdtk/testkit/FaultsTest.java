package io.nbdtk.testkit;

import static io.nbdtk.server.filter.RequestKind.FLUSH;
import static io.nbdtk.server.filter.RequestKind.READ;
import static io.nbdtk.server.filter.RequestKind.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.filter.FaultAction;
import io.nbdtk.server.filter.FaultInjector;
import io.nbdtk.server.filter.FaultRule;
import io.nbdtk.server.filter.Feature;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultsTest {

    @Test
    void theDslWritesTheSameRulesAsTheTextForm() {
        List<FaultRule> dsl = List.of(
                Faults.on(READ).nth(3).error("EIO"),
                Faults.on(WRITE).inRange(0, 4096).times(2).error("ENOSPC"),
                Faults.on(READ, WRITE).withProbability(0.1, 42).error("EIO"),
                Faults.on(WRITE).delay(Duration.ofMillis(20), Duration.ofMillis(5)),
                Faults.on(FLUSH).stall("flush"),
                Faults.disconnectAfterRequests(5),
                Faults.disconnectAfterBytes(1 << 20),
                Faults.on(READ).once().cutReply(),
                Faults.on(READ).badMagicReply(),
                Faults.onAnyRequest().unknownCookieReply(),
                Faults.refuseOption("STRUCTURED_REPLY"),
                Faults.dropAtOption("GO", 1),
                Faults.hide(Feature.MULTI_CONN, Feature.BLOCK_STATUS));
        String text = "error=EIO,ops=read,nth=3\n"
                + "error=ENOSPC,ops=write,offset=0-4096,times=2\n"
                + "error=EIO,ops=read|write,rate=0.1,seed=42\n"
                + "delay=20ms,jitter=5ms,ops=write\n"
                + "stall=flush,ops=flush\n"
                + "disconnect,after=5,times=1\n"
                + "disconnect,after-bytes=1048576\n"
                + "cut-reply,ops=read,times=1\n"
                + "malformed=bad-magic,ops=read\n"
                + "malformed=unknown-cookie\n"
                + "refuse-option=STRUCTURED_REPLY\n"
                + "drop-at-option=GO,times=1\n"
                + "hide=multi-conn|block-status";
        assertThat(io.nbdtk.server.filter.FaultSpec.format(dsl)).isEqualTo(text);
        assertThat(Faults.parse(text)).isEqualTo(dsl);
    }

    @Test
    void disconnectAfterRequestsLetsExactlyThatManyThrough() {
        FaultInjector f = new FaultInjector(List.of(Faults.disconnectAfterRequests(2)));
        assertThat(f.onRequest(1, READ, 0, 1).isServe()).isTrue();
        assertThat(f.onRequest(1, WRITE, 0, 1).isServe()).isTrue();
        assertThat(f.onRequest(1, FLUSH, 0, 0).outcome()).isEqualTo(new FaultAction.Disconnect());
        assertThat(f.onRequest(2, READ, 0, 1).isServe()).isTrue();
    }
}
