package io.nbdtk.lab.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What one run created, written down (and forced to disk) before or right after each creation,
 * so that {@code deadlock-lab cleanup} can undo a run whose JVM was SIGKILLed. One entry a line:
 * {@code KIND FIELD...}, fields separated by tabs.
 */
public final class Journal implements AutoCloseable {
    /** One recorded resource. */
    public record Entry(String kind, List<String> fields) {
        public String field(int i) {
            return fields.get(i);
        }
    }

    public static final String OWNER = "owner";         // pid, starttime of the lab JVM
    public static final String WORKDIR = "workdir";     // path
    public static final String CGROUP = "cgroup";       // directory
    public static final String PROCESS = "process";     // pid, starttime, role
    public static final String FUSE = "fuse";           // connection id, mount point
    public static final String MOUNT = "mount";         // mount point (a filesystem on a loop device)
    public static final String LOOP = "loop";           // /dev/loopN, backing file

    private final Path file;
    private final FileChannel channel;

    private Journal(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    public static Journal create(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return new Journal(file, FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND));
    }

    public Path file() {
        return file;
    }

    public synchronized void record(String kind, Object... fields) throws IOException {
        StringBuilder b = new StringBuilder(kind);
        for (Object f : fields) {
            String s = String.valueOf(f);
            if (s.contains("\t") || s.contains("\n")) {
                throw new IllegalArgumentException("journal field with tab or newline: " + s);
            }
            b.append('\t').append(s);
        }
        b.append('\n');
        ByteBuffer buf = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        channel.force(true);
    }

    public static List<Entry> read(Path file) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                String[] f = line.split("\t", -1);
                out.add(new Entry(f[0], List.of(f).subList(1, f.length)));
            }
        }
        return out;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
