package io.nbdtk.lab.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class LocalAddressesTest {
    @Test
    void hostLocalRoutesAndInet6AddressesAreOurs() throws Exception {
        FakeSystem sys = new FakeSystem()
                .file("proc/net/fib_trie", "Main:\n  +-- 0.0.0.0/0 3 0 4\n     +-- 127.0.0.0/8 2 0 2\n"
                        + "           |-- 127.0.0.1\n              /32 host LOCAL\n"
                        + "        |-- 127.255.255.255\n           /32 link BROADCAST\n"
                        + "           |-- 192.0.2.2\n              /32 host LOCAL\n")
                .file("proc/net/if_inet6", "00000000000000000000000000000001 01 80 10 80       lo\n"
                        + "fd000000000000000000000000000002 04 40 00 82     eth0\n");

        assertThat(LocalAddresses.read(new ProcFs(sys.build()))).containsExactly(
                InetAddress.getByName("127.0.0.1"), InetAddress.getByName("192.0.2.2"), InetAddress.getByName("::1"),
                InetAddress.getByName("fd00::2"));
    }
}
