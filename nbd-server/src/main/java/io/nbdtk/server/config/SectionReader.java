package io.nbdtk.server.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Typed access to one section's values with the reference server's (GLib's) value rules, and a
 * record of which keys were looked at, so that whatever is left over is an unknown key.
 */
final class SectionReader {
    private final KeyFile.Section section;
    private final List<ConfigWarning> warnings;
    private final Set<String> seen = new HashSet<>();

    SectionReader(KeyFile.Section section, List<ConfigWarning> warnings) {
        this.section = section;
        this.warnings = warnings;
    }

    String name() {
        return section.name();
    }

    Path file() {
        return section.file();
    }

    int line() {
        return section.line();
    }

    boolean has(String key) {
        seen.add(key);
        return section.entries().containsKey(key);
    }

    int lineOf(String key) {
        KeyFile.Entry e = section.entries().get(key);
        return e == null ? section.line() : e.line();
    }

    /** A string value; GLib strips leading blanks and keeps trailing ones. */
    Optional<String> string(String key) {
        seen.add(key);
        KeyFile.Entry e = section.entries().get(key);
        return e == null ? Optional.empty() : Optional.of(e.value());
    }

    /** GLib booleans: {@code true}/{@code false} (and {@code 1}/{@code 0}); trailing blanks ignored. */
    boolean bool(String key) throws ConfigException {
        seen.add(key);
        KeyFile.Entry e = section.entries().get(key);
        if (e == null) {
            return false;
        }
        switch (e.value().stripTrailing()) {
            case "true", "1":
                return true;
            case "false", "0":
                return false;
            default:
                throw error(e, "'" + e.value() + "' is not a boolean (use true or false)");
        }
    }

    OptionalLong int64(String key, long min, long max) throws ConfigException {
        seen.add(key);
        KeyFile.Entry e = section.entries().get(key);
        if (e == null) {
            return OptionalLong.empty();
        }
        long v;
        try {
            v = Long.parseLong(e.value().strip());
        } catch (NumberFormatException ex) {
            throw error(e, "'" + e.value() + "' is not an integer");
        }
        if (v < min || v > max) {
            throw error(e, v + " is out of range " + min + ".." + max);
        }
        return OptionalLong.of(v);
    }

    OptionalInt int32(String key, int min, int max) throws ConfigException {
        OptionalLong v = int64(key, min, max);
        return v.isPresent() ? OptionalInt.of((int) v.getAsLong()) : OptionalInt.empty();
    }

    /** An absolute path; the reference server refuses relative ones for export files. */
    Optional<Path> absolutePath(String key) throws ConfigException {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        String v = s.get();
        if (v.isEmpty()) {
            throw error(section.entries().get(key), "empty path");
        }
        Path p;
        try {
            p = file().getFileSystem().getPath(v);
        } catch (java.nio.file.InvalidPathException ex) {
            throw error(section.entries().get(key), "invalid path: " + ex.getMessage());
        }
        if (!p.isAbsolute()) {
            throw error(section.entries().get(key), "'" + v + "' must be an absolute path");
        }
        return Optional.of(p.normalize());
    }

    /** Records a start-up warning if the key is present (whatever its value). */
    void warnIfPresent(String key, String message) {
        seen.add(key);
        KeyFile.Entry e = section.entries().get(key);
        if (e != null) {
            warnings.add(new ConfigWarning(file(), e.line(), key, message));
        }
    }

    /** A boolean that nbdtk cannot honour when true: refusing beats silently serving differently. */
    void refuseIfTrue(String key, String why) throws ConfigException {
        if (bool(key)) {
            throw error(section.entries().get(key), why);
        }
    }

    ConfigException error(String key, String problem) {
        KeyFile.Entry e = section.entries().get(key);
        return e == null ? new ConfigException(file(), line(), key, problem) : error(e, problem);
    }

    private ConfigException error(KeyFile.Entry e, String problem) {
        return new ConfigException(file(), e.line(), e.key(), problem);
    }

    /** Fails on the first key no accessor asked for: a typo must not silently change behaviour. */
    void rejectUnknownKeys(String kind) throws ConfigException {
        for (KeyFile.Entry e : section.entries().values()) {
            if (!seen.contains(e.key())) {
                throw error(e, "unknown key in " + kind + " section [" + name() + "]");
            }
        }
    }
}
