package io.nbdtk.lab.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParsersTest {
    @Test
    void mountinfoLineWithEscapedSpacesAndOptionalFields() {
        Mount m = MountTable.parseLine(
                "46 27 254:0 /var/lib/docker /my\\040disk rw,relatime shared:1 master:2 - ext4 /dev/vda rw,discard");

        assertThat(m.mountPoint()).isEqualTo("/my disk");
        assertThat(m.fsType()).isEqualTo("ext4");
        assertThat(m.device()).isEqualTo("254:0");
        assertThat(m.writable()).isTrue();
    }

    @Test
    void mountIsWritableOnlyWhenSuperblockIsWritableToo() {
        assertThat(MountTable.parseLine("1 0 8:1 / /a rw - ext4 /dev/sda1 ro").writable()).isFalse();
        assertThat(MountTable.parseLine("1 0 8:1 / /a ro - ext4 /dev/sda1 rw").writable()).isFalse();
    }

    @Test
    void longestMountPointWins() {
        MountTable t = MountTable.parse(List.of("1 0 254:0 / / rw - ext4 /dev/vda rw",
                "2 1 0:41 / /tmp/dl/fuse rw - fuse /dev/fuse rw", "3 1 0:42 / /tmp/dl/fuse2 rw - fuse /dev/fuse rw"));

        assertThat(t.mountOf("/tmp/dl/fuse/disk").orElseThrow().id()).isEqualTo(2);
        assertThat(t.mountOf("/tmp/dl/fuse2").orElseThrow().id()).isEqualTo(3);
        assertThat(t.mountOf("/tmp/dl/fuse3").orElseThrow().id()).isEqualTo(1);
    }

    @Test
    void statFieldsAreCountedFromTheLastParenthesis() {
        ProcessStat s = ProcessStat.parse("8816 (my (odd) cmd) D 8806 8806 4283 0 -1 1572928 100 0 0 0 0 0 0 0 20 0 1 0 41146 3133440 362");

        assertThat(s.comm()).isEqualTo("my (odd) cmd");
        assertThat(s.state()).isEqualTo('D');
        assertThat(s.ppid()).isEqualTo(8806);
        assertThat(s.flags()).isEqualTo(1572928L);
        assertThat(s.ioFlusher()).isTrue();
        assertThat(s.startTime()).isEqualTo(41146L);
    }

    @Test
    void procNetAddressesAreLittleEndianWords() throws Exception {
        assertThat(SocketTable.address("0100007F")).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(SocketTable.address("020200C0")).isEqualTo(InetAddress.getByName("192.0.2.2"));
        assertThat(SocketTable.address("00000000000000000000000001000000")).isEqualTo(InetAddress.getByName("::1"));
    }
}
