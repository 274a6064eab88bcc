package io.nbdtk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.server.acl.AccessPolicy;
import io.nbdtk.server.config.CliExport;
import io.nbdtk.server.config.ConfigExports;
import io.nbdtk.server.config.ConfigFileParser;
import io.nbdtk.server.config.ExportSection;
import io.nbdtk.server.filter.Op;
import io.nbdtk.protocol.NbdError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sizes, export specs and filter specs as written on the command line. */
class SpecParsingTest {
    @Test
    void sizes_take_binary_suffixes() {
        assertThat(Sizes.parse("512")).isEqualTo(512);
        assertThat(Sizes.parse("64K")).isEqualTo(65536);
        assertThat(Sizes.parse("1m")).isEqualTo(1 << 20);
        assertThat(Sizes.parse("2G")).isEqualTo(2L << 30);
        assertThat(Sizes.parse("1T")).isEqualTo(1L << 40);
        assertThat(Sizes.parse("4MiB")).isEqualTo(4L << 20);
        assertThatThrownBy(() -> Sizes.parse("lots")).hasMessageContaining("not a size");
        assertThatThrownBy(() -> Sizes.parse("99999999E")).hasMessageContaining("out of range");
    }

    @Test
    void export_specs_parse_backend_and_options() {
        ExportSpec m = ExportSpec.parse("disk=memory:1G");
        assertThat(m.name()).isEqualTo("disk");
        assertThat(m.backend()).isEqualTo(new ExportSpec.Memory(1L << 30));
        assertThat(m.readOnly()).isFalse();
        ExportSpec f = ExportSpec.parse("img=file:/tmp/x.img,readonly,block-size=512,notrim,rotational,"
                + "description=A disk, really");
        assertThat(f.backend()).isEqualTo(new ExportSpec.File(Path.of("/tmp/x.img"), 0));
        assertThat(f.readOnly()).isTrue();
        assertThat(f.minBlockSize()).isEqualTo(512);
        assertThat(f.trim()).isFalse();
        assertThat(f.rotational()).isTrue();
        assertThat(f.description()).isEqualTo("A disk, really");
        assertThat(ExportSpec.parse("=memory:1M").name()).isEmpty();
        assertThatThrownBy(() -> ExportSpec.parse("x=memory:1M,bogus")).hasMessageContaining("unknown export option");
        assertThatThrownBy(() -> ExportSpec.parse("nodisk")).hasMessageContaining("NAME=SPEC");
        assertThatThrownBy(() -> ExportSpec.parse("x=memory:1M,block-size=3")).hasMessageContaining("power of two");
    }

    @Test
    void filter_specs_mirror_nbdkit_error_and_delay_filters() {
        assertThat(FilterSpec.parse("error:error=ENOSPC,rate=10%,ops=read+write,seed=7"))
                .isEqualTo(new FilterSpec.Error(NbdError.ENOSPC, 0.1, Set.of(Op.READ, Op.WRITE), 7));
        assertThat(FilterSpec.parse("error")).isEqualTo(new FilterSpec.Error(NbdError.EIO, 1.0, Set.of(), 0));
        assertThat(FilterSpec.parse("delay:read=10ms,delay-write=2s,zero=500us")).isEqualTo(new FilterSpec.Delay(
                Map.of(Op.READ, Duration.ofMillis(10), Op.WRITE, Duration.ofSeconds(2), Op.ZERO, Duration.ofNanos(500_000))));
        assertThatThrownBy(() -> FilterSpec.parse("cow:x")).hasMessageContaining("unknown filter");
    }

    @Test
    void config_file_options_on_the_command_line_build_the_same_spec_and_rules_as_the_config_file(@TempDir Path dir)
            throws Exception {
        Path base = dir.resolve("base.img");
        Path config = dir.resolve("config");
        Files.writeString(config, "[generic]\n[d]\nexportname = " + base + "\ncopyonwrite = true\nsparse_cow = true\n"
                + "cowdir = " + dir + "\nflush = true\nfua = true\ntrim = true\nauthfile = " + dir.resolve("allow")
                + "\nmaxconnections = 3\ntlsonly = true\ntimeout = 30\nfilesize = 1048576\n");
        ExportSection section = ConfigFileParser.parse(config).exports().get(0);

        CliExport cli = CliExport.parse("d=file:" + base + ",copyonwrite,sparse_cow,cowdir=" + dir + ",authfile="
                + dir.resolve("allow") + ",maxconnections=3,tlsonly,timeout=30,filesize=1M");

        assertThat(cli.spec()).isEqualTo(ConfigExports.spec(section));
        AccessPolicy.ExportRules fromConfig = ConfigExports.rules(section);
        AccessPolicy.ExportRules fromCli = cli.rules().orElseThrow();
        assertThat(fromCli.authFile().orElseThrow().path()).isEqualTo(fromConfig.authFile().orElseThrow().path());
        assertThat(fromCli).usingRecursiveComparison().isEqualTo(fromConfig);
    }

    @Test
    void config_file_options_on_the_command_line_are_checked() {
        assertThat(CliExport.parse("d=memory:1M").rules()).isEmpty();
        assertThat(CliExport.parse("d=memory:1M").spec()).isEqualTo(ExportSpec.parse("d=memory:1M"));
        assertThat(CliExport.parse("d=memory:1M,tlsonly,maxconnections=2,description=a, b").rules().orElseThrow())
                .isEqualTo(new AccessPolicy.ExportRules(true, Optional.empty(), OptionalInt.of(2), Duration.ZERO));
        assertThat(CliExport.parse("d=memory:1M,timeout=5,description=a, b").spec().description()).isEqualTo("a, b");
        assertThatThrownBy(() -> CliExport.parse("d=memory:1M,copyonwrite")).hasMessageContaining("needs a file:PATH");
        assertThatThrownBy(() -> CliExport.parse("d=file:/x,temporary")).hasMessageContaining("filesize");
        assertThatThrownBy(() -> CliExport.parse("d=file:/x,copyonwrite,size=1M")).hasMessageContaining("filesize=");
        assertThatThrownBy(() -> CliExport.parse("d=file:/x,copyonwrite=yes")).hasMessageContaining("takes no value");
        assertThatThrownBy(() -> CliExport.parse("d=file:/x,authfile")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> CliExport.parse("d=file:/x,timeout=-1")).hasMessageContaining("non-negative");
        assertThatThrownBy(() -> CliExport.parse("d=file:/x,sync,sync")).hasMessageContaining("twice");
        // flags the config file cannot express keep their CLI meaning
        ExportSpec s = CliExport.parse("d=file:/x,copyonwrite,block-size=512,nomulticonn,noflush,notrim,readonly").spec();
        assertThat(s.minBlockSize()).isEqualTo(512);
        assertThat(s.flush()).isFalse();
        assertThat(s.trim()).isFalse();
        assertThat(s.readOnly()).isTrue();
    }
}
