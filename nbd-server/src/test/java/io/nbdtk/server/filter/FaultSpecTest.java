package io.nbdtk.server.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultSpecTest {

    @Test
    void parsesAnErrorWithEveryTrigger() {
        FaultRule r = FaultSpec.parseRule("error=ENOSPC,ops=write|zero,offset=1m-2m,after-bytes=4k,after=2,nth=5,"
                + "times=3,rate=25%,seed=7");
        assertThat(r.action()).isEqualTo(new FaultAction.Error("ENOSPC"));
        assertThat(r.kinds()).containsExactlyInAnyOrder(RequestKind.WRITE, RequestKind.ZERO);
        assertThat(r.offsetFrom()).isEqualTo(1 << 20);
        assertThat(r.offsetTo()).isEqualTo(2 << 20);
        assertThat(r.afterBytes()).isEqualTo(4096);
        assertThat(r.after()).isEqualTo(2);
        assertThat(r.nth()).isEqualTo(5);
        assertThat(r.times()).isEqualTo(3);
        assertThat(r.probability()).isEqualTo(0.25);
        assertThat(r.seed()).isEqualTo(7);
    }

    @Test
    void everyRuleSurvivesARoundTripThroughText() {
        String text = "error=EIO,ops=read,offset=0-4096,times=2\n"
                + "delay=100ms,jitter=50us,ops=write\n"
                + "stall=g1,ops=flush\n"
                + "disconnect,after-bytes=1048576\n"
                + "cut-reply,ops=read,nth=3\n"
                + "malformed=unknown-cookie,rate=0.5,seed=9\n"
                + "refuse-option=STRUCTURED_REPLY\n"
                + "drop-at-option=GO,times=1\n"
                + "hide=structured-replies|multi-conn|trim|block-status";
        List<FaultRule> rules = FaultSpec.parse(text);
        assertThat(rules).hasSize(9);
        assertThat(FaultSpec.format(rules)).isEqualTo(text);
        assertThat(FaultSpec.parse(FaultSpec.format(rules))).isEqualTo(rules);
    }

    @Test
    void acceptsNbdkitSpellings() {
        List<FaultRule> rules = FaultSpec.parse("error=EPERM,error-rate=1:10,ops=pread; wdelay=2; rdelay=5ms");
        assertThat(rules.get(0).probability()).isEqualTo(0.1);
        assertThat(rules.get(0).kinds()).containsExactly(RequestKind.READ);
        assertThat(rules.get(1).action()).isEqualTo(new FaultAction.Delay(Duration.ofSeconds(2), Duration.ZERO));
        assertThat(rules.get(1).kinds()).isEqualTo(Set.of(RequestKind.WRITE, RequestKind.ZERO, RequestKind.TRIM));
        assertThat(rules.get(2).kinds()).containsExactly(RequestKind.READ);
    }

    @Test
    void blankTextMeansNoRules() {
        assertThat(FaultSpec.parse(" ; \n")).isEmpty();
    }

    @Test
    void rejectsWhatCannotWork() {
        assertThatThrownBy(() -> FaultSpec.parseRule("ops=read")).hasMessageContaining("no action");
        assertThatThrownBy(() -> FaultSpec.parseRule("error=EIO,disconnect")).hasMessageContaining("more than one");
        assertThatThrownBy(() -> FaultSpec.parseRule("error=EBADF")).hasMessageContaining("cannot travel");
        assertThatThrownBy(() -> FaultSpec.parseRule("error=EIO,rate=150%")).hasMessageContaining("not in [0, 1]");
        assertThatThrownBy(() -> FaultSpec.parseRule("error=EIO,offset=9-3")).hasMessageContaining("empty");
        assertThatThrownBy(() -> FaultSpec.parseRule("error=EIO,bogus=1")).hasMessageContaining("unknown key 'bogus'");
        assertThatThrownBy(() -> FaultSpec.parseRule("hide=trim,ops=read")).hasMessageContaining("handshake");
        assertThatThrownBy(() -> FaultSpec.parseRule("error=EIO,ops=disc")).hasMessageContaining("DISC");
    }
}
