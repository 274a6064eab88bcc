package io.nbdtk.server.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lexical layer of the reference server's config format (a GLib key file): section headers
 * {@code [name]}, whole-line {@code #} comments, {@code key = value} lines. Values keep GLib's
 * treatment: leading blanks stripped, trailing kept, and the escapes {@code \s \n \t \r \\}
 * decoded. Typing of values is left to {@link SectionReader}.
 */
final class KeyFile {
    /** One {@code key = value} line. */
    record Entry(String key, String value, int line) {}

    /** One {@code [name]} section with its entries in file order (keys unique). */
    record Section(String name, Path file, int line, Map<String, Entry> entries) {}

    private KeyFile() {}

    static List<Section> read(Path file) throws ConfigException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(file, "not valid UTF-8");
        } catch (IOException e) {
            throw new ConfigException(file, "cannot read: " + e, e);
        }
        return parse(file, text);
    }

    static List<Section> parse(Path file, String text) throws ConfigException {
        List<Section> sections = new ArrayList<>();
        Section current = null;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i];
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (trimmed.startsWith("[")) {
                if (!trimmed.endsWith("]") || trimmed.length() < 3) {
                    throw new ConfigException(file, lineNo, null, "malformed section header: " + trimmed);
                }
                String name = trimmed.substring(1, trimmed.length() - 1);
                if (name.contains("[") || name.contains("]")) {
                    throw new ConfigException(file, lineNo, null, "malformed section header: " + trimmed);
                }
                for (Section s : sections) {
                    if (s.name().equals(name)) {
                        throw new ConfigException(file, lineNo, null, "section [" + name
                                + "] repeats the one at line " + s.line() + "; section names must be unique");
                    }
                }
                current = new Section(name, file, lineNo, new LinkedHashMap<>());
                sections.add(current);
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new ConfigException(file, lineNo, null, "expected 'key = value', a [section] or a # comment: " + trimmed);
            }
            String key = line.substring(0, eq).strip();
            if (key.isEmpty()) {
                throw new ConfigException(file, lineNo, null, "missing key name before '='");
            }
            if (current == null) {
                throw new ConfigException(file, lineNo, key, "option outside any section (the file must start with [generic])");
            }
            String value = unescape(file, lineNo, key, line.substring(eq + 1).stripLeading());
            Entry previous = current.entries().get(key);
            if (previous != null) {
                throw new ConfigException(file, lineNo, key, "given twice in [" + current.name()
                        + "] (first at line " + previous.line() + ")");
            }
            current.entries().put(key, new Entry(key, value, lineNo));
        }
        return sections;
    }

    private static String unescape(Path file, int line, String key, String raw) throws ConfigException {
        if (raw.indexOf('\\') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == raw.length()) {
                throw new ConfigException(file, line, key, "value ends in a lone backslash");
            }
            switch (raw.charAt(i)) {
                case 's' -> out.append(' ');
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case '\\' -> out.append('\\');
                default -> throw new ConfigException(file, line, key,
                        "invalid escape '\\" + raw.charAt(i) + "' (allowed: \\s \\n \\t \\r \\\\)");
            }
        }
        return out.toString();
    }
}
