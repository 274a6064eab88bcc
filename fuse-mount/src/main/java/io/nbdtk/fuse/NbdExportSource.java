package io.nbdtk.fuse;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.nbdtk.client.ClientOptions;
import io.nbdtk.client.NbdClient;
import io.nbdtk.protocol.NbdUri;
import io.nbdtk.protocol.ServerEntry;

/** The exports of an NBD server named by a URI: the one it names, or with {@code all} every listed one. */
final class NbdExportSource implements ExportSource {
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final NbdUri uri;
    private final boolean all;
    private final ClientSettings settings;
    private final List<BlockDevice> opened = new ArrayList<>();

    NbdExportSource(String uri, boolean all, ClientSettings settings) {
        this.uri = NbdUri.parse(uri);
        this.all = all;
        this.settings = settings;
    }

    static ClientOptions clientOptions(ClientSettings s) {
        return ClientOptions.defaults().withConnections(s.connections()).withRequestTimeout(s.requestTimeout())
                .withConnectTimeout(s.reconnectTimeout()).withHandshakeTimeout(s.reconnectTimeout())
                .withMetaContexts(List.of());
    }

    @Override
    public Locality locality() {
        return uri.unix() ? Locality.ofUnixSocket(uri.socketPath()) : Locality.ofHostOrAssumeLocal(uri.host());
    }

    @Override
    public List<ExportFile> open() throws IOException {
        ClientOptions options = clientOptions(settings);
        List<String> names = new ArrayList<>();
        if (all) {
            for (ServerEntry e : NbdClient.list(uri, options)) {
                names.add(e.name());
            }
            if (names.isEmpty()) {
                throw new IOException("the server at " + uri + " lists no exports");
            }
        } else {
            names.add(uri.exportName());
        }
        List<ExportFile> files = new ArrayList<>();
        for (String name : names) {
            NbdUri u = withExport(uri, name);
            ReconnectingDevice d = new ReconnectingDevice(() -> new NbdClientDevice(NbdClient.connect(u, options)),
                    settings.reconnectTimeout(), MAX_BACKOFF);
            opened.add(d);
            files.add(new ExportFile(ExportFile.fileNameFor(name), d));
        }
        return files;
    }

    static NbdUri withExport(NbdUri u, String export) {
        return new NbdUri(u.tls(), u.unix(), u.host(), u.port(), u.socketPath(), export, u.user(), u.query());
    }

    @Override
    public String describe() {
        return uri.toString();
    }

    @Override
    public void close() throws IOException {
        for (BlockDevice d : opened) {
            d.close();
        }
    }
}
