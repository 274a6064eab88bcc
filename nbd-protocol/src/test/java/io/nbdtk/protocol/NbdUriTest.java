package io.nbdtk.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NbdUriTest {
    @Test
    void plainTcpWithDefaults() {
        NbdUri u = NbdUri.parse("nbd://example.com");
        assertThat(u.tls()).isFalse();
        assertThat(u.unix()).isFalse();
        assertThat(u.host()).isEqualTo("example.com");
        assertThat(u.port()).isEqualTo(10809);
        assertThat(u.exportName()).isEmpty();
        assertThat(NbdUri.parse("nbd://example.com/").exportName()).isEmpty();
    }

    @Test
    void portAndPercentDecodedExport() {
        NbdUri u = NbdUri.parse("nbd://localhost:10810/my%20disk%C3%A9");
        assertThat(u.port()).isEqualTo(10810);
        assertThat(u.exportName()).isEqualTo("my diské");
        assertThat(NbdUri.parse("nbd://h//abs/path").exportName()).isEqualTo("/abs/path");
    }

    @Test
    void ipv6Literal() {
        NbdUri u = NbdUri.parse("nbds://[::1]:2000/disk?tls-certificates=/etc/pki&tls-verify-peer=false");
        assertThat(u.tls()).isTrue();
        assertThat(u.host()).isEqualTo("::1");
        assertThat(u.port()).isEqualTo(2000);
        assertThat(u.param("tls-certificates")).contains("/etc/pki");
        assertThat(u.param("tls-verify-peer")).contains("false");
        assertThat(NbdUri.parse("nbd://[fe80::1%25eth0]/").host()).isEqualTo("fe80::1%25eth0");
    }

    @Test
    void unixSocket() {
        NbdUri u = NbdUri.parse("nbd+unix:///disk?socket=/tmp/my%20sock");
        assertThat(u.unix()).isTrue();
        assertThat(u.socketPath()).isEqualTo("/tmp/my sock");
        assertThat(u.exportName()).isEqualTo("disk");
        assertThat(u.port()).isZero();
        NbdUri s = NbdUri.parse("nbds+unix://alice@/?socket=/s&tls-psk-file=/k");
        assertThat(s.tls()).isTrue();
        assertThat(s.user()).isEqualTo("alice");
        assertThat(s.exportName()).isEmpty();
    }

    @Test
    void toStringParsesBackToTheSameUri() {
        for (String text : new String[] {"nbd://h/e", "nbds://[::1]:99/a%20b", "nbd+unix:///x?socket=/tmp/s",
                "nbd://u@h:1/"}) {
            NbdUri u = NbdUri.parse(text);
            assertThat(NbdUri.parse(u.toString())).isEqualTo(u);
        }
    }

    @Test
    void errorsNameTheBadPart() {
        assertThatThrownBy(() -> NbdUri.parse("http://h/")).hasMessageContaining("unsupported scheme 'http'");
        assertThatThrownBy(() -> NbdUri.parse("localhost:10809")).hasMessageContaining("missing scheme");
        assertThatThrownBy(() -> NbdUri.parse("nbd://h:0/")).hasMessageContaining("invalid port '0'");
        assertThatThrownBy(() -> NbdUri.parse("nbd://h:99999/")).hasMessageContaining("invalid port '99999'");
        assertThatThrownBy(() -> NbdUri.parse("nbd://h:x/")).hasMessageContaining("invalid port 'x'");
        assertThatThrownBy(() -> NbdUri.parse("nbd://[::1/")).hasMessageContaining("lacks the closing ']'");
        assertThatThrownBy(() -> NbdUri.parse("nbd://::1/")).hasMessageContaining("invalid host");
        assertThatThrownBy(() -> NbdUri.parse("nbd:///e")).hasMessageContaining("missing host");
        assertThatThrownBy(() -> NbdUri.parse("nbd+unix:///e")).hasMessageContaining("missing query parameter 'socket'");
        assertThatThrownBy(() -> NbdUri.parse("nbd+unix://h/e?socket=/s")).hasMessageContaining("takes no host");
        assertThatThrownBy(() -> NbdUri.parse("nbd://h/e?socket=/s")).hasMessageContaining("needs the nbd+unix scheme");
        assertThatThrownBy(() -> NbdUri.parse("nbd://h/%zz")).hasMessageContaining("invalid percent escape '%zz' in export name");
        assertThatThrownBy(() -> NbdUri.parse("nbd://h/a%2")).hasMessageContaining("truncated percent escape");
        assertThatThrownBy(() -> NbdUri.parse("nbd://h/a%00")).hasMessageContaining("export name");
        assertThatThrownBy(() -> NbdUri.parse("nbd://h/?a=1&a=2")).hasMessageContaining("'a' given twice");
    }
}
