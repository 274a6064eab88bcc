package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessMitigationsTest {
    @TempDir Path tmp;

    private ProcessMitigations withCapEff(String hex) throws Exception {
        Path status = tmp.resolve("status");
        Files.writeString(status, "Name:\tjava\nCapPrm:\t000001ffffffffff\nCapEff:\t" + hex + "\nCapBnd:\t0\n");
        return new ProcessMitigations(status);
    }

    @Test
    void capabilitiesAreReadFromCapEff() throws Exception {
        ProcessMitigations p = withCapEff("000001fffeffffff"); // this machine: all but CAP_SYS_RESOURCE
        assertThat(p.hasCapability(ProcessMitigations.CAP_SYS_RESOURCE)).isFalse();
        assertThat(p.hasCapability(ProcessMitigations.CAP_IPC_LOCK)).isTrue();
    }

    @Test
    void ioFlusherWithoutCapSysResourceSaysWhy() throws Exception {
        Mitigation m = withCapEff("0000000000000000").ioFlusher();
        assertThat(m.applied()).isFalse();
        assertThat(m.detail()).contains("CAP_SYS_RESOURCE");
    }

    @Test
    void ioFlusherOnThisMachineIsAppliedExactlyWhenTheCapabilityIsThere() throws Exception {
        ProcessMitigations real = ProcessMitigations.ofThisProcess();
        boolean capable = real.hasCapability(ProcessMitigations.CAP_SYS_RESOURCE);
        // run on a throwaway thread: the flag is per thread and must not leak into the test runner
        Mitigation[] result = new Mitigation[1];
        Thread t = new Thread(() -> result[0] = real.ioFlusher());
        t.start();
        t.join();
        assertThat(result[0].applied()).as(result[0].toString()).isEqualTo(capable);
    }
}
