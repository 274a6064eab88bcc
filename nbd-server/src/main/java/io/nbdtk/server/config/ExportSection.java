package io.nbdtk.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One export section of a reference config file. The section name is the protocol export name;
 * the {@code exportname} key (historically misnamed) is the file.
 *
 * @param name export name clients ask for (the section name)
 * @param file the exported file, or the template for {@code temporary}
 * @param fileSize forced size in bytes: creates the file if missing, extends it if shorter
 * @param copyOnWrite writes go to a per-connection overlay deleted on disconnect
 * @param cowDir where overlay files go (default: beside the base file)
 * @param sparseCow overlay is a sparse file at the same offsets instead of an append log
 * @param temporary serve a fresh file (from the {@code file} template) deleted when closed
 * @param sync force every write to stable storage before replying
 * @param flush advertise NBD_FLAG_SEND_FLUSH
 * @param fua advertise NBD_FLAG_SEND_FUA
 * @param trim advertise NBD_FLAG_SEND_TRIM
 * @param rotational advertise NBD_FLAG_ROTATIONAL
 * @param authFile client address allow list (missing file = everyone, empty file = nobody)
 * @param maxConnections limit on concurrent connections to this export
 * @param tlsOnly SELECTIVETLS: hidden and refused until TLS is up ({@code force_tls}/{@code tlsonly})
 * @param idleTimeout disconnect a connection idle this long ({@link Duration#ZERO} = never)
 * @param sourceFile file the section came from (main file or an includedir file)
 * @param sourceLine line of the section header
 */
public record ExportSection(
        String name,
        Path file,
        OptionalLong fileSize,
        boolean readOnly,
        boolean copyOnWrite,
        Optional<Path> cowDir,
        boolean sparseCow,
        boolean temporary,
        boolean sync,
        boolean flush,
        boolean fua,
        boolean trim,
        boolean rotational,
        Optional<Path> authFile,
        OptionalInt maxConnections,
        boolean tlsOnly,
        Duration idleTimeout,
        Path sourceFile,
        int sourceLine) {
    /** Same export definition, wherever in which file it was written. */
    public boolean sameDefinition(ExportSection other) {
        return withSource(null, 0).equals(other.withSource(null, 0));
    }

    /** This definition without where it was written: equal for equal definitions from any source. */
    public ExportSection definition() {
        return withSource(null, 0);
    }

    private ExportSection withSource(Path file, int line) {
        return new ExportSection(name, this.file, fileSize, readOnly, copyOnWrite, cowDir, sparseCow, temporary, sync,
                flush, fua, trim, rotational, authFile, maxConnections, tlsOnly, idleTimeout, file, line);
    }
}
