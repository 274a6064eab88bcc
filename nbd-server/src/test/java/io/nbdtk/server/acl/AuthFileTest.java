package io.nbdtk.server.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AuthFileTest {
    private final FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
    private final Path path = fs.getPath("/etc/nbd-server/allow");
    private final AuthFile authFile = new AuthFile(path);

    @AfterEach
    void close() throws Exception {
        fs.close();
    }

    private void write(String text) throws Exception {
        Files.createDirectories(path.getParent());
        Files.writeString(path, text);
    }

    private boolean allowed(String ip) throws Exception {
        return authFile.check(InetAddress.getByName(ip)).allowed();
    }

    @Test
    void aMissingFileAllowsEveryone() throws Exception {
        assertThat(allowed("203.0.113.9")).isTrue();
        assertThat(authFile.check((InetAddress) null).allowed()).isTrue();
    }

    @Test
    void anEmptyFileAllowsNoOne() throws Exception {
        write("");
        assertThat(allowed("127.0.0.1")).isFalse();

        write("# only comments\n\n   \n");
        assertThat(allowed("127.0.0.1")).isFalse();
    }

    @Test
    void onlyListedAddressesAndRangesAreAllowed() throws Exception {
        write("""
                127.0.0.1
                # a comment line
                10.1.0.0/16   # trailing comment
                2001:db8::/32

                """);

        assertThat(allowed("127.0.0.1")).isTrue();
        assertThat(allowed("10.1.200.3")).isTrue();
        assertThat(allowed("2001:db8::7")).isTrue();
        assertThat(allowed("10.2.0.1")).isFalse();
        assertThat(allowed("::1")).isFalse();
        assertThat(authFile.check(new InetSocketAddress("10.1.0.1", 1234)).allowed()).isTrue();
    }

    @Test
    void theFileIsReadAgainForEachClient() throws Exception {
        write("127.0.0.1\n");
        assertThat(allowed("127.0.0.2")).isFalse();

        write("127.0.0.0/8\n");
        assertThat(allowed("127.0.0.2")).isTrue();
    }

    @Test
    void unixSocketClientsHaveNoAddressAndAreDeniedByAnExistingList() throws Exception {
        write("127.0.0.1\n");

        assertThat(authFile.check(UnixDomainSocketAddress.of("/run/nbd.sock")).allowed()).isFalse();
    }

    @Test
    void aMalformedLineDeniesEveryoneAndNamesTheLine() throws Exception {
        write("127.0.0.1\nnot-an-address\n");

        AuthFile.Decision d = authFile.check(InetAddress.getByName("127.0.0.1"));
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).contains("/etc/nbd-server/allow:2").contains("not-an-address");
        assertThatThrownBy(authFile::read).isInstanceOf(AuthFile.MalformedAuthFileException.class);
    }
}
