package io.nbdtk.server.config;

import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.store.BlockStore;
import io.nbdtk.server.store.CopyOnWriteStore;
import io.nbdtk.server.store.ExportFiles;
import io.nbdtk.server.store.FileStore;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The store behind one config-file export: the file (created or extended to {@code filesize}),
 * or a temporary file, or a copy-on-write overlay over the file; then the reference's
 * flush/fua/sync semantics on top. Copy-on-write and temporary stores are private to each
 * connection, as in the reference server.
 */
public record ConfigBackend(ExportSection section) implements ExportSpec.Backend {
    @Override
    public BlockStore open(boolean readOnly) throws IOException {
        ExportSection s = section;
        BlockStore store;
        if (s.temporary()) {
            store = ExportFiles.temporary(s.file(), s.fileSize().orElseThrow());
        } else {
            if (s.fileSize().isPresent()) {
                ExportFiles.ensureSize(s.file(), s.fileSize().getAsLong());
            }
            boolean writable = !readOnly && !s.copyOnWrite();
            store = FileStore.open(s.file(), writable);
            if (s.copyOnWrite()) {
                Path dir = s.cowDir().orElse(s.file().toAbsolutePath().getParent());
                try {
                    store = CopyOnWriteStore.open(store, dir, s.file().getFileName().toString(), s.sparseCow());
                } catch (IOException | RuntimeException e) {
                    store.close();
                    throw e;
                }
            }
        }
        return new DurabilityFilter(store, s.flush(), s.fua(), s.sync());
    }

    @Override
    public boolean perConnection() {
        return section.copyOnWrite() || section.temporary();
    }
}
