package io.nbdtk.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Reads a reference nbd-server config file (man 5 nbd-server) into a {@link ServerConfig}.
 *
 * <p>Stricter than the reference where the reference is silently wrong: unknown keys, repeated
 * keys and repeated export names are errors naming file, line and key (the reference ignores
 * unknown keys, so a typo such as {@code unixsoc} makes it listen on TCP). Every key the
 * reference knows is either honoured or reported as a {@link ConfigWarning}; keys whose effect
 * nbdtk cannot reproduce and whose absence would change what is served (multifile, treefiles,
 * waitfile, per-client file names, SDP, oldstyle) are refused when enabled.
 */
public final class ConfigFileParser {
    private static final String GENERIC = "generic";
    private static final int MAX_EXPORT_NAME_BYTES = 4096;

    private ConfigFileParser() {}

    public static ServerConfig parse(Path configFile) throws ConfigException {
        List<ConfigWarning> warnings = new ArrayList<>();
        List<KeyFile.Section> sections = KeyFile.read(configFile);
        if (sections.isEmpty() || !sections.get(0).name().equals(GENERIC)) {
            int line = sections.isEmpty() ? 1 : sections.get(0).line();
            throw new ConfigException(configFile, line, null, "the first section must be [generic] (it may be empty)");
        }
        SectionReader genericReader = new SectionReader(sections.get(0), warnings);
        GenericSection generic = generic(genericReader);
        Optional<Path> includeDir = includeDir(genericReader, configFile);
        genericReader.rejectUnknownKeys("the generic");

        List<ExportSection> exports = new ArrayList<>();
        Map<String, ExportSection> byName = new HashMap<>();
        for (KeyFile.Section s : sections.subList(1, sections.size())) {
            add(exports, byName, export(s, warnings));
        }
        if (includeDir.isPresent()) {
            for (Path included : includedFiles(configFile, genericReader, includeDir.get())) {
                for (KeyFile.Section s : KeyFile.read(included)) {
                    add(exports, byName, export(s, warnings));
                }
            }
        }
        return new ServerConfig(configFile, generic, exports, warnings);
    }

    private static void add(List<ExportSection> exports, Map<String, ExportSection> byName, ExportSection e)
            throws ConfigException {
        ExportSection earlier = byName.putIfAbsent(e.name(), e);
        if (earlier != null) {
            throw new ConfigException(e.sourceFile(), e.sourceLine(), null, "export [" + e.name()
                    + "] is already defined at " + earlier.sourceFile() + ":" + earlier.sourceLine());
        }
        exports.add(e);
    }

    private static GenericSection generic(SectionReader r) throws ConfigException {
        r.warnIfPresent("user", "ignored: nbdtk does not switch user; start it as that user (e.g. systemd User=)");
        r.warnIfPresent("group", "ignored: nbdtk does not switch group; start it with that group (e.g. systemd Group=)");
        r.warnIfPresent("tlsprio", "ignored: GnuTLS priority strings do not apply; nbdtk allows TLS 1.2 and 1.3"
                + " with the JDK's default cipher suites");
        r.warnIfPresent("splice", "ignored: nbdtk does not use splice(2)");
        r.warnIfPresent("max_threads", "ignored: each connection has its own reader and serves up to"
                + " --max-in-flight requests concurrently");
        r.refuseIfTrue("oldstyle", "the oldstyle handshake is not supported (the reference server exits too)");

        List<String> listen = r.string("listenaddr")
                .map(v -> Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList())
                .orElse(List.of("::", "0.0.0.0"));
        if (listen.isEmpty()) {
            throw r.error("listenaddr", "no address given");
        }
        int port = (int) r.int64("port", 0, 65535).orElse(GenericSection.DEFAULT_PORT);
        Optional<Path> unixSocket = r.string("unixsock").map(v -> r.file().getFileSystem().getPath(v));
        return new GenericSection(
                listen,
                port,
                unixSocket,
                r.bool("duallisten"),
                r.bool("allowlist"),
                r.bool("force_tls"),
                r.absolutePath("certfile"),
                r.absolutePath("keyfile"),
                r.absolutePath("cacertfile"),
                positiveOrUnlimited(r.int32("maxconnections", 0, Integer.MAX_VALUE)),
                r.int32("max_threads", 1, 4096));
    }

    private static Optional<Path> includeDir(SectionReader r, Path configFile) {
        // Relative directories are taken relative to the config file, not to the working directory.
        return r.string("includedir").map(String::strip).filter(s -> !s.isEmpty())
                .map(v -> configFile.toAbsolutePath().getParent().resolve(v).normalize());
    }

    private static List<Path> includedFiles(Path configFile, SectionReader generic, Path dir) throws ConfigException {
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(configFile, generic.lineOf("includedir"), "includedir",
                    "directory " + dir + " does not exist");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.conf")) {
            for (Path p : stream) {
                if (Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw new ConfigException(dir, "cannot list includedir: " + e, e);
        }
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return files;
    }

    private static ExportSection export(KeyFile.Section section, List<ConfigWarning> warnings) throws ConfigException {
        SectionReader r = new SectionReader(section, warnings);
        String name = r.name();
        if (name.equals(GENERIC)) {
            throw new ConfigException(r.file(), r.line(), null,
                    "[generic] must be the first section of the main config file and appear only there");
        }
        if (name.indexOf('\0') >= 0 || name.getBytes(StandardCharsets.UTF_8).length > MAX_EXPORT_NAME_BYTES) {
            throw new ConfigException(r.file(), r.line(), null, "export name is not a valid NBD string");
        }
        Path file = r.absolutePath("exportname").orElseThrow(() -> new ConfigException(r.file(), r.line(),
                "exportname", "missing in export [" + name + "]: the path of the file to export is required"));

        r.refuseIfTrue("multifile", "multifile exports are not supported by nbdtk");
        r.refuseIfTrue("treefiles", "treefiles exports are not supported by nbdtk");
        r.refuseIfTrue("waitfile", "waitfile (live migration) is not supported by nbdtk");
        r.refuseIfTrue("sdp", "SDP is not supported (the reference server exits too unless built with it)");
        checkVirtStyle(r, file);
        r.warnIfPresent("prerun", "ignored: nbdtk does not run prerun commands");
        r.warnIfPresent("postrun", "ignored: nbdtk does not run postrun commands");
        r.warnIfPresent("transactionlog", "ignored: nbdtk writes no transaction log (use the recorder filter)");
        r.warnIfPresent("datalog", "ignored: nbdtk writes no transaction log");
        r.warnIfPresent("splice", "ignored: nbdtk does not use splice(2)");
        r.warnIfPresent("listenaddr", "ignored in export sections (the reference ignores it too)");

        OptionalLong fileSize = r.int64("filesize", 0, Long.MAX_VALUE);
        boolean temporary = r.bool("temporary");
        if (temporary && fileSize.isEmpty()) {
            throw r.error("temporary", "a temporary export needs filesize");
        }
        boolean tlsOnly = r.bool("force_tls") | r.bool("tlsonly");
        ExportSection export = new ExportSection(
                name,
                file,
                fileSize,
                r.bool("readonly"),
                r.bool("copyonwrite"),
                r.absolutePath("cowdir"),
                r.bool("sparse_cow"),
                temporary,
                r.bool("sync"),
                r.bool("flush"),
                r.bool("fua"),
                r.bool("trim"),
                r.bool("rotational"),
                r.absolutePath("authfile"),
                positiveOrUnlimited(r.int32("maxconnections", 0, Integer.MAX_VALUE)),
                tlsOnly,
                Duration.ofSeconds(r.int64("timeout", 0, Integer.MAX_VALUE).orElse(0)),
                r.file(),
                r.line());
        r.rejectUnknownKeys("export");
        return export;
    }

    /** virtstyle only matters when the file name has {@code %s}; per-client names are not supported. */
    private static void checkVirtStyle(SectionReader r, Path file) throws ConfigException {
        String style = r.string("virtstyle").map(String::strip).orElse("ipliteral");
        if (!(style.equals("none") || style.equals("ipliteral") || style.equals("iphash")
                || style.matches("cidrhash\\s+\\d{1,3}"))) {
            throw r.error("virtstyle", "'" + style + "' is not one of none, ipliteral, iphash, cidrhash N");
        }
        if (!style.equals("none") && file.toString().contains("%s")) {
            throw r.error(r.has("virtstyle") ? "virtstyle" : "exportname",
                    "per-client file names ('%s' with virtstyle " + style + ") are not supported by nbdtk");
        }
    }

    static OptionalInt positiveOrUnlimited(OptionalInt v) {
        // The reference treats 0 as "no limit".
        return v.isPresent() && v.getAsInt() > 0 ? v : OptionalInt.empty();
    }
}
