package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void binaryUnits() {
        assertThat(Sizes.parse("4096")).isEqualTo(4096);
        assertThat(Sizes.parse("64K")).isEqualTo(65536);
        assertThat(Sizes.parse("256m")).isEqualTo(256L << 20);
        assertThat(Sizes.parse("1GiB")).isEqualTo(1L << 30);
    }

    @Test
    void nonsenseIsRefused() {
        assertThatThrownBy(() -> Sizes.parse("lots")).hasMessageContaining("not a size");
        assertThatThrownBy(() -> Sizes.parse("0")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> Sizes.parse("99999999999T")).hasMessageContaining("out of range");
    }
}
