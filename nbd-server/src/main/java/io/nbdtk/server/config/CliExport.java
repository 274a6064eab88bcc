package io.nbdtk.server.config;

import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.Sizes;
import io.nbdtk.server.acl.AccessPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One {@code --export NAME=SPEC[,OPT...]} with the reference config file's export keys as options
 * ({@code copyonwrite}, {@code sparse_cow}, {@code cowdir=PATH}, {@code temporary},
 * {@code filesize=SIZE}, {@code sync}, {@code authfile=PATH}, {@code maxconnections=N},
 * {@code tlsonly}, {@code timeout=SECONDS}).
 *
 * <p>A {@code file:} export with any of them becomes an {@link ExportSection}, and its spec and
 * rules come from {@link ConfigExports}: the very code a config file goes through, so the two
 * routes cannot drift apart. Its flush, FUA and trim follow the CLI's defaults (on unless
 * {@code noflush}/{@code notrim}), where a config file's default is off. A {@code memory:} export
 * takes only the access options (a RAM disk has no file to copy, size or sync).
 *
 * @param spec what to serve
 * @param rules what the handshake policy demands of clients for it, when any access option was given
 */
public record CliExport(ExportSpec spec, Optional<AccessPolicy.ExportRules> rules) {
    private static final Set<String> STORE_KEYS = Set.of("copyonwrite", "sparse_cow", "cowdir", "temporary",
            "filesize", "sync");
    private static final Set<String> ACCESS_KEYS = Set.of("authfile", "maxconnections", "tlsonly", "timeout");
    private static final Set<String> FLAGS = Set.of("copyonwrite", "sparse_cow", "temporary", "sync", "tlsonly");
    private static final String DESCRIPTION = ",description=";

    /** Parses {@code NAME=SPEC[,OPT...]}; plain options are {@link ExportSpec#parse}'s. */
    public static CliExport parse(String text) {
        String head = text;
        String descriptionTail = "";
        int descAt = text.indexOf(DESCRIPTION);
        if (descAt >= 0) {
            head = text.substring(0, descAt);
            descriptionTail = text.substring(descAt);
        }
        List<String> plain = new ArrayList<>();
        Map<String, String> dropIn = new LinkedHashMap<>();
        String[] parts = head.split(",");
        plain.add(parts[0]);
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            String key = kv[0].trim().toLowerCase(Locale.ROOT);
            if (!STORE_KEYS.contains(key) && !ACCESS_KEYS.contains(key)) {
                plain.add(parts[i]);
                continue;
            }
            String value = kv.length > 1 ? kv[1].trim() : null;
            if (FLAGS.contains(key) != (value == null)) {
                throw new IllegalArgumentException("export option '" + key + "' in '" + text + "' "
                        + (value == null ? "needs a value (" + key + "=...)" : "takes no value"));
            }
            if (dropIn.put(key, value == null ? "" : value) != null) {
                throw new IllegalArgumentException("export option '" + key + "' given twice in '" + text + "'");
            }
        }
        ExportSpec base = ExportSpec.parse(String.join(",", plain) + descriptionTail);
        if (dropIn.isEmpty()) {
            return new CliExport(base, Optional.empty());
        }
        boolean tlsOnly = dropIn.containsKey("tlsonly");
        Optional<Path> authFile = Optional.ofNullable(dropIn.get("authfile")).map(CliExport::absolute);
        OptionalInt maxConnections = ConfigFileParser.positiveOrUnlimited(
                Optional.ofNullable(dropIn.get("maxconnections")).map(v -> OptionalInt.of(integer("maxconnections", v)))
                        .orElse(OptionalInt.empty()));
        Duration timeout = Duration.ofSeconds(
                Optional.ofNullable(dropIn.get("timeout")).map(v -> integer("timeout", v)).orElse(0));

        if (!(base.backend() instanceof ExportSpec.File file)) {
            for (String key : dropIn.keySet()) {
                if (STORE_KEYS.contains(key)) {
                    throw new IllegalArgumentException("export option '" + key + "' needs a file:PATH export, in '"
                            + text + "'");
                }
            }
            return new CliExport(base, Optional.of(ConfigExports.rules(tlsOnly, authFile, maxConnections, timeout)));
        }
        if (file.sizeIfCreated() > 0) {
            throw new IllegalArgumentException("with config-file options use filesize=SIZE instead of size=, in '"
                    + text + "'");
        }
        OptionalLong fileSize = Optional.ofNullable(dropIn.get("filesize"))
                .map(v -> OptionalLong.of(Sizes.parse(v))).orElse(OptionalLong.empty());
        boolean temporary = dropIn.containsKey("temporary");
        if (temporary && fileSize.isEmpty()) {
            throw new IllegalArgumentException("a temporary export needs filesize=SIZE, in '" + text + "'");
        }
        ExportSection section = new ExportSection(base.name(), absolute(file.path().toString()), fileSize,
                base.readOnly(), dropIn.containsKey("copyonwrite"),
                Optional.ofNullable(dropIn.get("cowdir")).map(CliExport::absolute), dropIn.containsKey("sparse_cow"),
                temporary, dropIn.containsKey("sync"), base.flush(), base.flush(), base.trim(), base.rotational(),
                authFile, maxConnections, tlsOnly, timeout, null, 0);
        ExportSpec fromSection = ConfigExports.spec(section);
        // What the config file cannot express keeps its CLI meaning.
        ExportSpec spec = new ExportSpec(fromSection.name(), base.description(), fromSection.backend(),
                fromSection.readOnly(), fromSection.trim(), fromSection.flush(), fromSection.rotational(),
                fromSection.multiConn() && base.multiConn(), base.minBlockSize(), List.of());
        return new CliExport(spec, Optional.of(ConfigExports.rules(section)));
    }

    private static Path absolute(String path) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException("empty path in an export option");
        }
        return Path.of(path).toAbsolutePath().normalize();
    }

    private static int integer(String key, String value) {
        try {
            int v = Integer.parseInt(value);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " wants a non-negative integer, got '" + value + "'");
        }
    }
}
