package io.nbdtk.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.NbdServer;

/**
 * {@code --demo}: an nbdtk server inside this process, serving an in-memory export "demo" on a
 * private Unix socket, mounted through the ordinary client path. It is local by construction, so
 * the command applies the loopback mitigations to it like to any local read-write mount; since
 * the server shares the daemon's process, they cover the server too (same memory cgroup, same
 * locked memory, IO_FLUSHER inherited by its threads).
 */
final class DemoExportSource implements ExportSource {
    static final String EXPORT = "demo";

    private final long size;
    private final ClientSettings settings;
    private Path dir;
    private NbdServer server;
    private NbdExportSource client;

    DemoExportSource(long size, ClientSettings settings) {
        this.size = size;
        this.settings = settings;
    }

    @Override
    public Locality locality() {
        return new Locality(true, "--demo serves the export from this very process");
    }

    @Override
    public List<ExportFile> open() throws IOException {
        dir = Files.createTempDirectory("nbd-fuse-demo");
        Path socket = dir.resolve("nbd.sock");
        server = NbdServer.builder()
                .export(ExportSpec.of(EXPORT, new ExportSpec.Memory(size)).withDescription("nbd-fuse demo, in memory"))
                .unix(socket)
                .start();
        client = new NbdExportSource("nbd+unix:///" + EXPORT + "?socket=" + socket, false, settings);
        return client.open();
    }

    @Override
    public String describe() {
        return "the embedded nbdtk server (in-memory export '" + EXPORT + "')";
    }

    @Override
    public void close() throws IOException {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
            if (dir != null) {
                Files.deleteIfExists(dir.resolve("nbd.sock"));
                Files.deleteIfExists(dir);
            }
        }
    }
}
