package io.nbdtk.server;

import java.io.IOException;
import java.util.List;
import java.util.Random;

/** Starts in-process servers on loopback with an ephemeral port for tests. */
final class ServerFixture {
    private ServerFixture() {}

    static NbdServer memory(String name, long size) throws IOException {
        return NbdServer.builder().listenLoopback()
                .export(ExportSpec.of(name, new ExportSpec.Memory(size)).withDescription("memory disk " + name))
                .start();
    }

    /** "disk" (1 MiB, writable), "ro" (64 KiB, read-only), "b512" (1 MiB, 512-byte blocks). */
    static NbdServer standard() throws IOException {
        return NbdServer.builder().listenLoopback()
                .export(ExportSpec.of("disk", new ExportSpec.Memory(1 << 20)).withDescription("scratch disk"))
                .export(ExportSpec.of("ro", new ExportSpec.Memory(64 << 10)).withReadOnly(true))
                .export(ExportSpec.of("b512", new ExportSpec.Memory(1 << 20)).withMinBlockSize(512))
                // short enough for the silent-peer test, long enough for a loaded CI machine
                .handshakeTimeout(java.time.Duration.ofSeconds(5))
                .start();
    }

    static byte[] pattern(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static List<String> names(NbdServer s) {
        return List.copyOf(s.exports().keySet());
    }
}
