package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void flatObjectWithEscapedStringsNumbersAndBooleans() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("export", "a\"b\\c\nd\u0001");
        m.put("size", 1024L);
        m.put("read_only", true);
        assertThat(Json.object(m)).isEqualTo("{\"export\": \"a\\\"b\\\\c\\nd\\u0001\", \"size\": 1024, \"read_only\": true}");
        assertThat(Json.lines(m)).startsWith("export: a\"b").endsWith("read_only: true");
    }
}
