package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.util.Collections;

import org.junit.jupiter.api.Test;

class LocalityTest {
    @Test
    void unixSocketsAreLocal() {
        assertThat(Locality.ofUnixSocket("/run/nbd.sock").local()).isTrue();
    }

    @Test
    void loopbackAndWildcardAreLocal() throws Exception {
        assertThat(Locality.ofHost("127.0.0.1").local()).isTrue();
        assertThat(Locality.ofHost("127.0.0.2").local()).isTrue();
        assertThat(Locality.ofHost("::1").local()).isTrue();
        assertThat(Locality.ofHost("localhost").local()).isTrue();
        assertThat(Locality.ofHost("0.0.0.0").local()).isTrue();
    }

    @Test
    void everyAddressOfALocalInterfaceIsLocal() throws Exception {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                Locality l = Locality.ofHost(ia.getAddress().getHostAddress().replaceAll("%.*", ""));
                assertThat(l.local()).as(ia.getAddress() + ": " + l.reason()).isTrue();
            }
        }
    }

    @Test
    void documentationAddressesAreRemote() throws Exception {
        Locality l = Locality.ofHost("192.0.2.1"); // TEST-NET-1, never assigned to a real host
        assertThat(l.local()).isFalse();
        assertThat(l.reason()).contains("not an address of this machine");
    }

    @Test
    void subnetMatchHonoursThePrefix() throws Exception {
        NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getByName("127.0.0.1"));
        InterfaceAddress ia = lo.getInterfaceAddresses().stream()
                .filter(a -> a.getAddress().getAddress().length == 4).findFirst().orElseThrow();
        assertThat(Locality.sameSubnet(ia, InetAddress.getByName("127.200.1.1"))).isTrue(); // 127/8
        assertThat(Locality.sameSubnet(ia, InetAddress.getByName("128.0.0.1"))).isFalse();
    }
}
