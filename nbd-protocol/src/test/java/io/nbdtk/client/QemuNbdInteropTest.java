package io.nbdtk.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nbdtk.protocol.BaseAllocation;
import io.nbdtk.protocol.CommandFlags;
import io.nbdtk.protocol.Extent;
import io.nbdtk.testing.Prerequisites;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against qemu-nbd serving a temporary qcow2 image on a Unix socket. */
class QemuNbdInteropTest {
    @TempDir
    Path dir;

    private PeerServer qemuNbd(String... extra) throws Exception {
        Path qemuImg = Prerequisites.tool("qemu-img", "qemu-utils");
        Path qemuNbd = Prerequisites.tool("qemu-nbd", "qemu-utils");
        Path image = dir.resolve("disk.qcow2");
        Process p = new ProcessBuilder(qemuImg.toString(), "create", "-q", "-f", "qcow2", image.toString(), "64M")
                .inheritIO().start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        Path sock = dir.resolve("qemu.sock");
        List<String> cmd = new java.util.ArrayList<>(List.of(qemuNbd.toString(), "-k", sock.toString(), "-f",
                "qcow2", "-x", "disk", "-D", "scratch disk", "-e", "4"));
        cmd.addAll(List.of(extra));
        cmd.add(image.toString());
        return PeerServer.start(sock, cmd);
    }

    @Test
    void negotiatesBlockSizesDescriptionAndContexts() throws Exception {
        try (PeerServer s = qemuNbd("-A");
                NbdClient nbd = NbdClient.connect(s.uri("disk"), ClientOptions.defaults()
                        .withMetaContexts(List.of(BaseAllocation.NAME, "qemu:allocation-depth")))) {
            ExportInfo info = nbd.info();
            assertThat(info.name()).isEqualTo("disk");
            assertThat(info.description()).isEqualTo("scratch disk");
            assertThat(info.size()).isEqualTo(64L << 20);
            assertThat(info.blockSizeAdvertised()).isTrue();
            assertThat(info.minimumBlock()).isEqualTo(1);
            assertThat(info.maximumPayload()).isEqualTo(32L << 20);
            assertThat(info.metaContexts()).containsOnlyKeys(BaseAllocation.NAME, "qemu:allocation-depth");

            nbd.write(1 << 20, new byte[] {9, 9, 9});
            BlockStatus st = nbd.blockStatus(0, 2 << 20, 0);
            List<Extent> alloc = st.of(BaseAllocation.NAME);
            assertThat(alloc.get(0).isZero()).isTrue();
            assertThat(st.of("qemu:allocation-depth")).isNotEmpty();
        }
    }

    @Test
    void bigTransfersAreSplitToTheAdvertisedMaximum() throws Exception {
        try (PeerServer s = qemuNbd();
                NbdClient nbd = NbdClient.connect(s.uri("disk"),
                        ClientOptions.defaults().withMaxRequestSize(64 << 20))) {
            byte[] data = new byte[40 << 20]; // above qemu's 32 MiB maximum: must be split
            new Random(7).nextBytes(data);
            nbd.write(0, data);
            nbd.flush();
            assertThat(nbd.read(0, data.length)).isEqualTo(data);
            // FAST_ZERO on allocated data: qemu may refuse, and then only with ENOTSUP, as the spec says
            try {
                nbd.zero(0, 4096, CommandFlags.FAST_ZERO);
            } catch (NbdCommandException e) {
                assertThat(e.error()).isEqualTo(io.nbdtk.protocol.NbdError.ENOTSUP);
                nbd.zero(0, 4096, 0);
            }
            assertThat(nbd.read(0, 4096)).containsOnly(0);
            assertThat(nbd.read(4096, 16)).isEqualTo(java.util.Arrays.copyOfRange(data, 4096, 4096 + 16));
        }
    }

    @Test
    void listsExportsAndRejectsUnknownExport() throws Exception {
        try (PeerServer s = qemuNbd()) {
            assertThat(NbdClient.list(s.uri(""), ClientOptions.defaults()))
                    .anySatisfy(e -> assertThat(e.name()).isEqualTo("disk"));
            assertThatThrownBy(() -> NbdClient.connect(s.uri("nope"), ClientOptions.defaults()))
                    .isInstanceOf(NbdOptionException.class).hasMessageContaining("NBD_REP_ERR_UNKNOWN");
        }
    }
}
