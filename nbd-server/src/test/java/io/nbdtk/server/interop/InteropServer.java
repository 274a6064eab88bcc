package io.nbdtk.server.interop;

import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.NbdServer;
import java.io.IOException;
import java.nio.file.Path;

/** The server the interop tests drive: 64 MiB memory and file exports on loopback and a Unix socket. */
final class InteropServer {
    private InteropServer() {}

    static NbdServer start(Path dir) throws IOException {
        return NbdServer.builder().listenLoopback().unix(dir.resolve("nbd.sock"))
                .export(ExportSpec.of("disk", new ExportSpec.Memory(64 << 20)).withDescription("interop disk"))
                .export(ExportSpec.of("file", new ExportSpec.File(dir.resolve("file.img"), 64 << 20))
                        .withDescription("file disk"))
                .export(ExportSpec.of("ro", new ExportSpec.Memory(1 << 20)).withReadOnly(true).withDescription("read-only"))
                .start();
    }

    static String uri(NbdServer s, String export) {
        return "nbd://127.0.0.1:" + s.tcpAddress().getPort() + "/" + export;
    }

    static String unixUri(Path dir, String export) {
        return "nbd+unix:///" + export + "?socket=" + dir.resolve("nbd.sock");
    }
}
