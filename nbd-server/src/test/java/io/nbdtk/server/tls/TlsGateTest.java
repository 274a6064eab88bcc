package io.nbdtk.server.tls;

import static io.nbdtk.server.tls.TlsGate.Verdict.INVALID;
import static io.nbdtk.server.tls.TlsGate.Verdict.POLICY;
import static io.nbdtk.server.tls.TlsGate.Verdict.PROCEED;
import static io.nbdtk.server.tls.TlsGate.Verdict.TLS_REQUIRED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TlsGateTest {
    private static final boolean BEFORE_TLS = false;
    private static final boolean AFTER_TLS = true;

    @Test
    void noTlsNeverAnswersTlsRequiredAndRefusesStartTlsByPolicy() {
        TlsGate gate = new TlsGate(TlsMode.OFF, true);

        assertThat(gate.startTls(BEFORE_TLS)).isEqualTo(POLICY);
        assertThat(gate.option(BEFORE_TLS)).isEqualTo(PROCEED);
        assertThat(gate.export(false, BEFORE_TLS)).isEqualTo(PROCEED);
        assertThat(gate.export(true, BEFORE_TLS)).isEqualTo(POLICY);
    }

    @Test
    void withoutCredentialsStartTlsIsRefusedByPolicyLikeTheReference() {
        TlsGate gate = new TlsGate(TlsMode.OPTIONAL, false);

        assertThat(gate.startTls(BEFORE_TLS)).isEqualTo(POLICY);
        assertThat(gate.export(true, BEFORE_TLS)).isEqualTo(POLICY);
    }

    @Test
    void forcedTlsRefusesEveryOptionButStartTlsUntilTlsIsUp() {
        TlsGate gate = new TlsGate(TlsMode.REQUIRED, true);

        assertThat(gate.option(BEFORE_TLS)).isEqualTo(TLS_REQUIRED);
        assertThat(gate.export(false, BEFORE_TLS)).isEqualTo(TLS_REQUIRED);
        assertThat(gate.startTls(BEFORE_TLS)).isEqualTo(PROCEED);
        assertThat(gate.option(AFTER_TLS)).isEqualTo(PROCEED);
        assertThat(gate.export(false, AFTER_TLS)).isEqualTo(PROCEED);
        assertThat(gate.export(true, AFTER_TLS)).isEqualTo(PROCEED);
    }

    @Test
    void aSecondStartTlsIsInvalid() {
        assertThat(new TlsGate(TlsMode.REQUIRED, true).startTls(AFTER_TLS)).isEqualTo(INVALID);
        assertThat(new TlsGate(TlsMode.OPTIONAL, true).startTls(AFTER_TLS)).isEqualTo(INVALID);
    }

    @Test
    void selectiveTlsHidesAndRefusesTlsOnlyExportsBeforeTls() {
        TlsGate gate = new TlsGate(TlsMode.OPTIONAL, true);

        assertThat(gate.option(BEFORE_TLS)).isEqualTo(PROCEED);
        assertThat(gate.export(false, BEFORE_TLS)).isEqualTo(PROCEED);
        assertThat(gate.export(true, BEFORE_TLS)).isEqualTo(TLS_REQUIRED);
        assertThat(gate.listed(true, BEFORE_TLS)).isFalse();
        assertThat(gate.listed(false, BEFORE_TLS)).isTrue();
        assertThat(gate.export(true, AFTER_TLS)).isEqualTo(PROCEED);
        assertThat(gate.listed(true, AFTER_TLS)).isTrue();
    }

    @Test
    void requiringTlsWithoutCredentialsIsAConfigurationError() {
        assertThatThrownBy(() -> new TlsGate(TlsMode.REQUIRED, false)).hasMessageContaining("certificate");
    }

    @Test
    void cliSpellings() {
        assertThat(TlsMode.fromCli("off")).isEqualTo(TlsMode.OFF);
        assertThat(TlsMode.fromCli("on")).isEqualTo(TlsMode.OPTIONAL);
        assertThat(TlsMode.fromCli("require")).isEqualTo(TlsMode.REQUIRED);
        assertThatThrownBy(() -> TlsMode.fromCli("maybe")).isInstanceOf(IllegalArgumentException.class);
    }
}
