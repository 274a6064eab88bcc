package io.nbdtk.fuse;

import java.util.Map;

/** The little JSON `info --json` prints: one flat object of strings, numbers and booleans. */
final class Json {
    private Json() {}

    static String object(Map<String, Object> fields) {
        StringBuilder b = new StringBuilder("{");
        for (var e : fields.entrySet()) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(string(e.getKey())).append(": ").append(value(e.getValue()));
        }
        return b.append('}').toString();
    }

    static String lines(Map<String, Object> fields) {
        StringBuilder b = new StringBuilder();
        for (var e : fields.entrySet()) {
            b.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        return b.toString().stripTrailing();
    }

    private static String value(Object v) {
        return v instanceof Number || v instanceof Boolean ? v.toString() : string(String.valueOf(v));
    }

    static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
