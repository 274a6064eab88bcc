package io.nbdtk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.server.filter.Op;
import io.nbdtk.server.store.StoreError;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

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
                .isEqualTo(new FilterSpec.Error(StoreError.ENOSPC, 0.1, Set.of(Op.READ, Op.WRITE), 7));
        assertThat(FilterSpec.parse("error")).isEqualTo(new FilterSpec.Error(StoreError.EIO, 1.0, Set.of(), 0));
        assertThat(FilterSpec.parse("delay:read=10ms,delay-write=2s,zero=500us")).isEqualTo(new FilterSpec.Delay(
                Map.of(Op.READ, Duration.ofMillis(10), Op.WRITE, Duration.ofSeconds(2), Op.ZERO, Duration.ofNanos(500_000))));
        assertThatThrownBy(() -> FilterSpec.parse("cow:x")).hasMessageContaining("unknown filter");
    }
}
