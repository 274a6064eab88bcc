package io.nbdtk.fuse;

import java.util.Objects;

/** One file of the mount: an export's device under a file name. */
public record ExportFile(String name, BlockDevice device) {
    public ExportFile {
        Objects.requireNonNull(device, "device");
        if (name == null || name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a valid file name: '" + name + "'");
        }
    }

    /**
     * The file name for an export name: the empty (default) export is {@code default}; a slash,
     * which a file name cannot hold, becomes {@code _}.
     */
    public static String fileNameFor(String exportName) {
        if (exportName == null || exportName.isEmpty()) {
            return "default";
        }
        String name = exportName.replace('/', '_').replace('\0', '_');
        return name.equals(".") || name.equals("..") ? name.replace('.', '_') : name;
    }
}
