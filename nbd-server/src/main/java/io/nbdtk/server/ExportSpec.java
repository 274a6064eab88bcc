package io.nbdtk.server;

import io.nbdtk.server.filter.ReadOnlyFilter;
import io.nbdtk.server.filter.StatsFilter;
import io.nbdtk.server.store.BlockStore;
import io.nbdtk.server.store.FileStore;
import io.nbdtk.server.store.MemoryStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything needed to serve one export: the one shape both the CLI ({@code --export}) and the
 * config file build. {@link #open()} stacks the store and its filters.
 *
 * @param name protocol export name ("" is the default export)
 * @param backend where the bytes live
 * @param minBlockSize advertised and enforced minimum block size (power of two, 1..65536)
 * @param trim advertise TRIM (when the backend can)
 * @param flush advertise FLUSH and FUA
 * @param multiConn advertise CAN_MULTI_CONN (when the backend shares state across connections)
 */
public record ExportSpec(String name, String description, Backend backend, boolean readOnly,
        boolean trim, boolean flush, boolean rotational, boolean multiConn, int minBlockSize,
        List<FilterSpec> filters) {

    public ExportSpec {
        if (Integer.bitCount(minBlockSize) != 1 || minBlockSize > 65536) {
            throw new IllegalArgumentException("block size must be a power of two 1..65536: " + minBlockSize);
        }
        description = description == null ? "" : description;
        filters = List.copyOf(filters);
    }

    /** A plain writable export with every feature on. */
    public static ExportSpec of(String name, Backend backend) {
        return new ExportSpec(name, "", backend, false, true, true, false, true, 1, List.of());
    }

    public ExportSpec withReadOnly(boolean ro) {
        return new ExportSpec(name, description, backend, ro, trim, flush, rotational, multiConn, minBlockSize, filters);
    }

    public ExportSpec withDescription(String d) {
        return new ExportSpec(name, d, backend, readOnly, trim, flush, rotational, multiConn, minBlockSize, filters);
    }

    public ExportSpec withFilters(List<FilterSpec> f) {
        return new ExportSpec(name, description, backend, readOnly, trim, flush, rotational, multiConn, minBlockSize, f);
    }

    public ExportSpec withMinBlockSize(int b) {
        return new ExportSpec(name, description, backend, readOnly, trim, flush, rotational, multiConn, b, filters);
    }

    /** Where an export's bytes live; other engineers add backends (copy-on-write, temporary...). */
    public interface Backend {
        BlockStore open(boolean readOnly) throws IOException;

        /**
         * True when every connection must get its own freshly opened store (copy-on-write
         * overlays and temporary files are private to one connection, as in the reference server).
         */
        default boolean perConnection() {
            return false;
        }
    }

    /** {@code memory:SIZE}: a sparse RAM disk, empty at start, gone at exit. */
    public record Memory(long size) implements Backend {
        @Override
        public BlockStore open(boolean readOnly) {
            return new MemoryStore(size);
        }
    }

    /** {@code file:PATH}: an existing file (or one created with {@code size} when it is missing). */
    public record File(Path path, long sizeIfCreated) implements Backend {
        @Override
        public BlockStore open(boolean readOnly) throws IOException {
            if (!Files.exists(path) && sizeIfCreated > 0 && !readOnly) {
                return FileStore.create(path, sizeIfCreated);
            }
            return FileStore.open(path, !readOnly);
        }
    }

    /** Opens the backend and stacks filters: backend, user filters, read-only, stats on top. */
    public Export open() throws IOException {
        return open(null);
    }

    /**
     * As {@link #open()}, but counting into {@code shared}'s statistics: a connection's private
     * store ({@link Backend#perConnection()}) still adds to its export's figures.
     */
    public Export openCountingInto(Export shared) throws IOException {
        return open(shared.stats());
    }

    private Export open(StatsFilter sharedStats) throws IOException {
        BlockStore store = backend.open(readOnly);
        try {
            for (FilterSpec f : filters) {
                store = f.wrap(store);
            }
            if (readOnly) {
                store = new ReadOnlyFilter(store);
            }
            StatsFilter stats = sharedStats == null ? new StatsFilter(store) : new StatsFilter(store, sharedStats);
            return new Export(this, stats, stats);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * Parses the CLI form {@code NAME=SPEC[,opt...]}: SPEC is {@code memory:SIZE} or
     * {@code file:PATH}; options: {@code readonly}, {@code description=TEXT}, {@code size=SIZE}
     * (create a missing file), {@code block-size=N}, {@code notrim}, {@code noflush},
     * {@code rotational}, {@code nomulticonn}. A description may contain commas if it comes last.
     */
    public static ExportSpec parse(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("export must be NAME=SPEC, got '" + text + "'");
        }
        String name = text.substring(0, eq);
        String rest = text.substring(eq + 1);
        List<String> parts = new ArrayList<>();
        int descAt = rest.indexOf(",description=");
        String description = "";
        if (descAt >= 0) {
            description = rest.substring(descAt + ",description=".length());
            rest = rest.substring(0, descAt);
        }
        for (String p : rest.split(",")) {
            parts.add(p);
        }
        String spec = parts.remove(0);
        boolean readOnly = false;
        boolean trim = true;
        boolean flush = true;
        boolean rotational = false;
        boolean multiConn = true;
        int block = 1;
        long createSize = 0;
        for (String opt : parts) {
            String[] kv = opt.split("=", 2);
            String key = kv[0].trim().toLowerCase(Locale.ROOT);
            String value = kv.length > 1 ? kv[1].trim() : "";
            switch (key) {
                case "readonly": case "ro": readOnly = true; break;
                case "notrim": trim = false; break;
                case "noflush": flush = false; break;
                case "rotational": rotational = true; break;
                case "nomulticonn": multiConn = false; break;
                case "block-size": case "blocksize": block = (int) Sizes.parse(value); break;
                case "size": createSize = Sizes.parse(value); break;
                default: throw new IllegalArgumentException("unknown export option '" + key + "' in '" + text
                        + "' (readonly, description=, size=, block-size=, notrim, noflush, rotational, nomulticonn)");
            }
        }
        Backend backend;
        if (spec.startsWith("memory:")) {
            backend = new Memory(Sizes.parse(spec.substring("memory:".length())));
        } else if (spec.startsWith("file:")) {
            backend = new File(Path.of(spec.substring("file:".length())), createSize);
        } else {
            throw new IllegalArgumentException("export spec must be memory:SIZE or file:PATH, got '" + spec + "'");
        }
        return new ExportSpec(name, description, backend, readOnly, trim, flush, rotational, multiConn, block, List.of());
    }
}
