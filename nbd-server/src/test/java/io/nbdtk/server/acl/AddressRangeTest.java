package io.nbdtk.server.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressRangeTest {
    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void aSingleAddressMatchesOnlyItself() throws Exception {
        AddressRange r = AddressRange.parse("192.168.1.1");

        assertThat(r.prefixLength()).isEqualTo(32);
        assertThat(r.contains(ip("192.168.1.1"))).isTrue();
        assertThat(r.contains(ip("192.168.1.2"))).isFalse();
    }

    @Test
    void cidrRangesMatchTheirPrefixIgnoringHostBitsLikeTheReference() throws Exception {
        AddressRange r = AddressRange.parse("192.168.0.0/8"); // the man page's own example

        assertThat(r.contains(ip("192.1.2.3"))).isTrue();
        assertThat(r.contains(ip("193.0.0.1"))).isFalse();
        assertThat(AddressRange.parse("10.0.0.64/26").contains(ip("10.0.0.127"))).isTrue();
        assertThat(AddressRange.parse("10.0.0.64/26").contains(ip("10.0.0.128"))).isFalse();
        assertThat(AddressRange.parse("0.0.0.0/0").contains(ip("8.8.8.8"))).isTrue();
    }

    @Test
    void ipv6AddressesAndRanges() throws Exception {
        assertThat(AddressRange.parse("::1").contains(ip("::1"))).isTrue();
        assertThat(AddressRange.parse("::1").contains(ip("::2"))).isFalse();
        AddressRange r = AddressRange.parse("2001:db8::/32");
        assertThat(r.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(r.contains(ip("2001:db9::1"))).isFalse();
        assertThat(AddressRange.parse("fe80::/10").contains(ip("febf::1"))).isTrue();
        assertThat(AddressRange.parse("fe80::/10").contains(ip("fec0::1"))).isFalse();
    }

    @Test
    void familiesDoNotMixButV4MappedClientsCountAsIpv4() throws Exception {
        assertThat(AddressRange.parse("127.0.0.0/8").contains(ip("::1"))).isFalse();
        assertThat(AddressRange.parse("::/0").contains(ip("127.0.0.1"))).isFalse();
        InetAddress mapped = java.net.Inet6Address.getByAddress(null,
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1}, null);
        assertThat(AddressRange.parse("127.0.0.1").contains(mapped)).isTrue();
    }

    @Test
    void onlyNumericLiteralsAreAcceptedSoNoNameIsEverResolved() {
        assertThatThrownBy(() -> AddressRange.parse("localhost")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AddressRange.parse("example.com/24")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AddressRange.parse("1.2.3.999")).hasMessageContaining("255");
        assertThatThrownBy(() -> AddressRange.parse("1.2.3")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AddressRange.parse("1.2.3.4/33")).hasMessageContaining("33");
        assertThatThrownBy(() -> AddressRange.parse("::1/129")).hasMessageContaining("129");
        assertThatThrownBy(() -> AddressRange.parse("1.2.3.4/x")).hasMessageContaining("number");
        assertThatThrownBy(() -> AddressRange.parse("2001:db8:::g")).isInstanceOf(IllegalArgumentException.class);
    }
}
