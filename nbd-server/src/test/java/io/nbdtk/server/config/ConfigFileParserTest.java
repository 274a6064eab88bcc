package io.nbdtk.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConfigFileParserTest {
    private final FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
    private final Path config = fs.getPath("/etc/nbd-server/config");

    @AfterEach
    void close() throws IOException {
        fs.close();
    }

    private ServerConfig parse(String text) throws Exception {
        write(config, text);
        return ConfigFileParser.parse(config);
    }

    private static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    @Test
    void emptyGenericSectionGivesTheReferenceDefaults() throws Exception {
        ServerConfig c = parse("[generic]\n");

        GenericSection g = c.generic();
        assertThat(g.port()).isEqualTo(10809);
        assertThat(g.listenAddresses()).containsExactly("::", "0.0.0.0");
        assertThat(g.unixSocket()).isEmpty();
        assertThat(g.allowList()).isFalse();
        assertThat(g.forceTls()).isFalse();
        assertThat(g.tlsConfigured()).isFalse();
        assertThat(g.maxConnections()).isEmpty();
        assertThat(c.exports()).isEmpty();
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void readsEveryHonouredGenericKey() throws Exception {
        GenericSection g = parse("""
                [generic]
                listenaddr = 127.0.0.1, ::1
                port = 20809
                unixsock = /run/nbd.sock
                duallisten = true
                allowlist = true
                force_tls = true
                certfile = /etc/tls/server-cert.pem
                keyfile = /etc/tls/server-key.pem
                cacertfile = /etc/tls/ca-cert.pem
                maxconnections = 7
                max_threads = 8
                oldstyle = false
                """).generic();

        assertThat(g.listenAddresses()).containsExactly("127.0.0.1", "::1");
        assertThat(g.port()).isEqualTo(20809);
        assertThat(g.unixSocket()).contains(fs.getPath("/run/nbd.sock"));
        assertThat(g.dualListen()).isTrue();
        assertThat(g.allowList()).isTrue();
        assertThat(g.forceTls()).isTrue();
        assertThat(g.effectiveCertFile()).contains(fs.getPath("/etc/tls/server-cert.pem"));
        assertThat(g.keyFile()).contains(fs.getPath("/etc/tls/server-key.pem"));
        assertThat(g.caCertFile()).contains(fs.getPath("/etc/tls/ca-cert.pem"));
        assertThat(g.maxConnections()).isEqualTo(OptionalInt.of(7));
        assertThat(g.maxThreads()).isEqualTo(OptionalInt.of(8));
    }

    @Test
    void certificateFallsBackToTheKeyFileLikeTheReference() throws Exception {
        GenericSection g = parse("[generic]\nkeyfile = /etc/tls/both.pem\n").generic();

        assertThat(g.effectiveCertFile()).contains(fs.getPath("/etc/tls/both.pem"));
    }

    @Test
    void sectionNameIsTheExportNameAndExportnameIsTheFile() throws Exception {
        ServerConfig c = parse("""
                [generic]
                [disk one]
                exportname = /srv/disk1.img
                """);

        ExportSection e = c.export("disk one").orElseThrow();
        assertThat(e.file()).isEqualTo(fs.getPath("/srv/disk1.img"));
        assertThat(e.sourceFile()).isEqualTo(config);
        assertThat(e.sourceLine()).isEqualTo(2);
    }

    @Test
    void exportKeysDefaultToFalseAndUnset() throws Exception {
        ExportSection e = parse("[generic]\n[d]\nexportname = /srv/d\n").exports().get(0);

        assertThat(e.readOnly()).isFalse();
        assertThat(e.copyOnWrite()).isFalse();
        assertThat(e.sparseCow()).isFalse();
        assertThat(e.temporary()).isFalse();
        assertThat(e.flush()).isFalse();
        assertThat(e.fua()).isFalse();
        assertThat(e.trim()).isFalse();
        assertThat(e.rotational()).isFalse();
        assertThat(e.tlsOnly()).isFalse();
        assertThat(e.fileSize()).isEmpty();
        assertThat(e.authFile()).isEmpty();
        assertThat(e.maxConnections()).isEmpty();
        assertThat(e.idleTimeout()).isEqualTo(Duration.ZERO);
    }

    @Test
    void readsEveryHonouredExportKey() throws Exception {
        ExportSection e = parse("""
                [generic]
                [d]
                exportname = /srv/d
                filesize = 1048576
                readonly = true
                copyonwrite = true
                cowdir = /var/tmp/cow
                sparse_cow = true
                sync = true
                flush = true
                fua = true
                trim = true
                rotational = true
                authfile = /etc/nbd-server/allow
                maxconnections = 2
                force_tls = true
                timeout = 30
                """).exports().get(0);

        assertThat(e.fileSize()).isEqualTo(OptionalLong.of(1048576));
        assertThat(e.readOnly()).isTrue();
        assertThat(e.copyOnWrite()).isTrue();
        assertThat(e.cowDir()).contains(fs.getPath("/var/tmp/cow"));
        assertThat(e.sparseCow()).isTrue();
        assertThat(e.sync()).isTrue();
        assertThat(e.flush()).isTrue();
        assertThat(e.fua()).isTrue();
        assertThat(e.trim()).isTrue();
        assertThat(e.rotational()).isTrue();
        assertThat(e.authFile()).contains(fs.getPath("/etc/nbd-server/allow"));
        assertThat(e.maxConnections()).isEqualTo(OptionalInt.of(2));
        assertThat(e.tlsOnly()).isTrue();
        assertThat(e.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void tlsonlyIsAcceptedAsTheDocumentedSpellingOfForceTls() throws Exception {
        assertThat(parse("[generic]\n[d]\nexportname = /d\ntlsonly = true\n").exports().get(0).tlsOnly()).isTrue();
    }

    @Test
    void maxconnectionsZeroMeansUnlimitedAsInTheReference() throws Exception {
        assertThat(parse("[generic]\n[d]\nexportname = /d\nmaxconnections = 0\n").exports().get(0).maxConnections())
                .isEmpty();
    }

    @Test
    void booleansFollowGlibTrueFalseOneZeroWithTrailingBlanks() throws Exception {
        ServerConfig c = parse("[generic]\n[a]\nexportname = /a\nreadonly = 1\nflush = true  \ntrim = 0\n");

        assertThat(c.exports().get(0).readOnly()).isTrue();
        assertThat(c.exports().get(0).flush()).isTrue();
        assertThat(c.exports().get(0).trim()).isFalse();
    }

    @Test
    void yesIsNotABoolean() {
        assertThatThrownBy(() -> parse("[generic]\n[a]\nexportname = /a\nreadonly = yes\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("/etc/nbd-server/config:4: key 'readonly'")
                .hasMessageContaining("not a boolean");
    }

    @Test
    void malformedIntegersNameFileLineAndKey() {
        assertThatThrownBy(() -> parse("[generic]\n[a]\nexportname = /a\nfilesize = 12abc\n"))
                .hasMessageContaining("config:4: key 'filesize'").hasMessageContaining("not an integer");
        assertThatThrownBy(() -> parse("[generic]\nport = 70000\n"))
                .hasMessageContaining("config:2: key 'port'").hasMessageContaining("out of range");
        assertThatThrownBy(() -> parse("[generic]\n[a]\nexportname = /a\ntimeout = -1\n"))
                .hasMessageContaining("key 'timeout'");
    }

    @Test
    void unknownKeysAreErrorsNotSilentlyIgnored() {
        // Reference issue #89: a misspelt unixsock silently made the server listen on TCP.
        assertThatThrownBy(() -> parse("[generic]\nunixsok = /run/nbd.sock\n"))
                .hasMessageContaining("config:2: key 'unixsok'").hasMessageContaining("unknown key");
        assertThatThrownBy(() -> parse("[generic]\n[a]\nexportname = /a\nreadonyl = true\n"))
                .hasMessageContaining("config:4: key 'readonyl'").hasMessageContaining("[a]");
    }

    @Test
    void firstSectionMustBeGeneric() {
        assertThatThrownBy(() -> parse("[disk]\nexportname = /a\n[generic]\n"))
                .hasMessageContaining("config:1").hasMessageContaining("[generic]");
        assertThatThrownBy(() -> parse("# only a comment\n")).hasMessageContaining("[generic]");
    }

    @Test
    void exportnameIsRequiredAndMustBeAbsolute() {
        assertThatThrownBy(() -> parse("[generic]\n[a]\nreadonly = true\n"))
                .hasMessageContaining("config:2: key 'exportname'").hasMessageContaining("required");
        assertThatThrownBy(() -> parse("[generic]\n[a]\nexportname = disk.img\n"))
                .hasMessageContaining("config:3: key 'exportname'").hasMessageContaining("absolute");
    }

    @Test
    void referenceKeysThatAreNotHonouredBecomeWarningsWithTheirLine() throws Exception {
        ServerConfig c = parse("""
                [generic]
                user = nbd
                group = nbd
                tlsprio = NORMAL
                max_threads = 8
                [a]
                exportname = /a
                prerun = /bin/true %s
                postrun = /bin/true
                transactionlog = /tmp/log
                datalog = true
                splice = true
                listenaddr = 1.2.3.4
                """);

        assertThat(c.warnings()).extracting(ConfigWarning::key)
                .containsExactly("user", "group", "tlsprio", "max_threads", "prerun", "postrun", "transactionlog", "datalog",
                        "splice", "listenaddr");
        assertThat(c.warnings().get(0).line()).isEqualTo(2);
        assertThat(c.warnings().get(0).toString()).contains("config:2").contains("user").contains("ignored");
    }

    @Test
    void enabledFeaturesThatWouldChangeWhatIsServedAreRefused() {
        for (String key : new String[] {"multifile", "treefiles", "waitfile", "sdp"}) {
            assertThatThrownBy(() -> parse("[generic]\n[a]\nexportname = /a\n" + key + " = true\n"))
                    .as(key).hasMessageContaining("key '" + key + "'").hasMessageContaining("not supported");
        }
        assertThatThrownBy(() -> parse("[generic]\noldstyle = true\n")).hasMessageContaining("key 'oldstyle'");
    }

    @Test
    void disabledUnsupportedFeaturesAreAccepted() throws Exception {
        assertThat(parse("[generic]\n[a]\nexportname = /a\nmultifile = false\ntreefiles = false\n").exports())
                .hasSize(1);
    }

    @Test
    void perClientFileNamesAreRefusedSoExportsNeverBecomeUncheckedPaths() {
        assertThatThrownBy(() -> parse("[generic]\n[a]\nexportname = /srv/%s\n"))
                .hasMessageContaining("key 'exportname'").hasMessageContaining("per-client");
        assertThatThrownBy(() -> parse("[generic]\n[a]\nexportname = /srv/%s\nvirtstyle = cidrhash 16\n"))
                .hasMessageContaining("key 'virtstyle'");
        assertThatThrownBy(() -> parse("[generic]\n[a]\nexportname = /srv/a\nvirtstyle = sideways\n"))
                .hasMessageContaining("key 'virtstyle'");
    }

    @Test
    void percentSIsALiteralFileNameCharacterWithVirtstyleNone() throws Exception {
        ServerConfig c = parse("[generic]\n[a]\nexportname = /srv/%s\nvirtstyle = none\n");

        assertThat(c.exports().get(0).file()).isEqualTo(fs.getPath("/srv/%s"));
    }

    @Test
    void temporaryNeedsAFileSize() {
        assertThatThrownBy(() -> parse("[generic]\n[a]\nexportname = /tmp/t\ntemporary = true\n"))
                .hasMessageContaining("key 'temporary'").hasMessageContaining("filesize");
    }

    @Test
    void includedirFilesAreReadInSortedOrderAfterTheMainFile() throws Exception {
        write(fs.getPath("/etc/nbd-server/conf.d/20-b.conf"), "[b]\nexportname = /b\n");
        write(fs.getPath("/etc/nbd-server/conf.d/10-a.conf"), "[a]\nexportname = /a\n[a2]\nexportname = /a2\n");
        write(fs.getPath("/etc/nbd-server/conf.d/README"), "not a conf file");

        ServerConfig c = parse("[generic]\nincludedir = /etc/nbd-server/conf.d\n[main]\nexportname = /m\n");

        assertThat(c.exports()).extracting(ExportSection::name).containsExactly("main", "a", "a2", "b");
        assertThat(c.export("b").orElseThrow().sourceFile())
                .isEqualTo(fs.getPath("/etc/nbd-server/conf.d/20-b.conf"));
    }

    @Test
    void relativeIncludedirIsResolvedBesideTheConfigFile() throws Exception {
        write(fs.getPath("/etc/nbd-server/conf.d/x.conf"), "[x]\nexportname = /x\n");

        assertThat(parse("[generic]\nincludedir = conf.d\n").exports()).extracting(ExportSection::name)
                .containsExactly("x");
    }

    @Test
    void missingIncludedirIsAnError() {
        assertThatThrownBy(() -> parse("[generic]\nincludedir = /nowhere\n"))
                .hasMessageContaining("config:2: key 'includedir'").hasMessageContaining("does not exist");
    }

    @Test
    void includedFilesMayNotHaveAGenericSectionAndErrorsNameTheIncludedFile() throws Exception {
        write(fs.getPath("/etc/nbd-server/conf.d/a.conf"), "[generic]\n");
        assertThatThrownBy(() -> parse("[generic]\nincludedir = /etc/nbd-server/conf.d\n"))
                .hasMessageContaining("conf.d/a.conf:1");

        write(fs.getPath("/etc/nbd-server/conf.d/a.conf"), "[a]\nexportname = /a\nbogus = 1\n");
        assertThatThrownBy(() -> parse("[generic]\nincludedir = /etc/nbd-server/conf.d\n"))
                .hasMessageContaining("conf.d/a.conf:3: key 'bogus'");
    }

    @Test
    void anExportNameDefinedTwiceAcrossFilesIsAnError() throws Exception {
        write(fs.getPath("/etc/nbd-server/conf.d/a.conf"), "[a]\nexportname = /other\n");

        assertThatThrownBy(() -> parse("[generic]\nincludedir = /etc/nbd-server/conf.d\n[a]\nexportname = /a\n"))
                .hasMessageContaining("conf.d/a.conf:1").hasMessageContaining("already defined at /etc/nbd-server/config:3");
    }

    @Test
    void unreadableFileIsAnErrorNamingIt() {
        assertThatThrownBy(() -> ConfigFileParser.parse(fs.getPath("/missing")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("/missing");
    }
}
