package io.nbdtk.server.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The reference server's {@code filesize} and {@code temporary} handling for file exports.
 * Sizes are only ever grown: nbdtk never truncates an operator's file.
 */
public final class ExportFiles {
    private ExportFiles() {}

    /**
     * Makes {@code file} at least {@code size} bytes: creates it (sparse) if missing, extends a
     * shorter one with a hole. A longer file is refused rather than cut or partly hidden.
     */
    public static void ensureSize(Path file, long size) throws IOException {
        if (Files.exists(file)) {
            if (!Files.isRegularFile(file)) {
                throw new IOException(file + ": filesize applies to regular files only");
            }
            long current = Files.size(file);
            if (current > size) {
                throw new IOException(file + " is " + current + " bytes, larger than filesize " + size
                        + "; nbdtk does not truncate exports (remove filesize or fix it)");
            }
            if (current == size) {
                return;
            }
        }
        setLength(file, size);
    }

    /**
     * A fresh, private file of {@code size} bytes named after {@code template} (same directory,
     * same name plus a unique suffix), unlinked as soon as it is open: nothing persists after the
     * store is closed or the process dies, as with the reference's {@code temporary}.
     */
    public static FileStore temporary(Path template, long size) throws IOException {
        Path dir = template.toAbsolutePath().getParent();
        Path file = Files.createTempFile(dir, template.getFileName() + "-", ".tmp");
        try {
            return FileStore.create(file, size);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void setLength(Path file, long size) throws IOException {
        if (file.getFileSystem() == FileSystems.getDefault()) {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(size); // ftruncate: the added range is a hole
            }
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (ch.size() < size) {
                ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
            }
        }
    }
}
