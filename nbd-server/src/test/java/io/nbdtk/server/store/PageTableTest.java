package io.nbdtk.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class PageTableTest {
    private static ByteBuffer page(long index) {
        return ByteBuffer.allocate(8).putLong(0, index);
    }

    @Test
    void pages_are_found_where_they_were_put_at_every_level() {
        PageTable t = new PageTable(1L << 25); // three levels of 1024
        long[] at = {0, 1, 1023, 1024, (1L << 20) - 1, 1L << 20, (1L << 25) - 1};
        for (long i : at) {
            t.getOrCreate(i, PageTableTest::page);
        }
        for (long i : at) {
            assertThat(t.get(i).getLong(0)).isEqualTo(i);
        }
        assertThat(t.get(2)).isNull();
        assertThat(t.get(1L << 24)).isNull();
        assertThat(t.count()).isEqualTo(at.length);
    }

    @Test
    void get_or_create_keeps_the_first_page() {
        PageTable t = new PageTable(16);
        ByteBuffer first = t.getOrCreate(3, PageTableTest::page);
        assertThat(t.getOrCreate(3, i -> ByteBuffer.allocate(1))).isSameAs(first);
        assertThat(t.count()).isOne();
    }

    @Test
    void next_present_skips_empty_subtrees_and_respects_the_limit() {
        PageTable t = new PageTable(1L << 40);
        t.getOrCreate(5, PageTableTest::page);
        t.getOrCreate(1L << 35, PageTableTest::page);
        assertThat(t.nextPresent(0, 1L << 40)).isEqualTo(5);
        assertThat(t.nextPresent(6, 1L << 40)).isEqualTo(1L << 35);
        assertThat(t.nextPresent(6, 1L << 35)).isEqualTo(-1);
        assertThat(t.nextPresent((1L << 35) + 1, 1L << 40)).isEqualTo(-1);
        assertThat(t.nextPresent(5, 5)).isEqualTo(-1);
    }

    @Test
    void next_absent_ends_a_run_of_pages() {
        PageTable t = new PageTable(4096);
        for (long i = 1020; i < 1030; i++) {
            t.getOrCreate(i, PageTableTest::page);
        }
        assertThat(t.nextAbsent(1020, 4096)).isEqualTo(1030);
        assertThat(t.nextAbsent(1020, 1025)).isEqualTo(1025);
        assertThat(t.nextAbsent(7, 4096)).isEqualTo(7);
    }

    @Test
    void removing_a_range_frees_only_pages_inside_it() {
        PageTable t = new PageTable(1L << 21);
        for (long i = 1000; i < 3000; i++) {
            t.getOrCreate(i, PageTableTest::page);
        }
        t.removeRange(1500, 2500);
        assertThat(t.count()).isEqualTo(1000);
        assertThat(t.get(1499)).isNotNull();
        assertThat(t.get(1500)).isNull();
        assertThat(t.get(2499)).isNull();
        assertThat(t.get(2500)).isNotNull();
        assertThat(t.nextPresent(1500, 1L << 21)).isEqualTo(2500);
        t.remove(2500);
        t.remove(2500);
        assertThat(t.count()).isEqualTo(999);
        t.clear();
        assertThat(t.count()).isZero();
        assertThat(t.nextPresent(0, 1L << 21)).isEqualTo(-1);
    }
}
