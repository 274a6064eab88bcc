package io.nbdtk.lab.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.lab.sys.FakeSystem;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplerTest {
    @Test
    void readsWriterProgressPressureAndBlockedThreads() throws Exception {
        Path root = new FakeSystem()
                .process(103, "dd", List.of("dd"), "/nbdtk-deadlock-lab/r-writer")
                .process(102, "nbdfuse", List.of("nbdfuse"), "/nbdtk-deadlock-lab/r-writer")
                .process(33, "kworker/u8:1+flush-7:0", List.of(), "/")
                .process(77, "unrelated", List.of(), "/")
                .file("proc/103/io", "rchar: 1\nwchar: 123731968\nsyscr: 1\n")
                .file("proc/102/task/102/stat", "102 (nbdfuse) D 1 102 4283 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 41146 3133440 362")
                .file("proc/102/task/102/wchan", "folio_wait_bit")
                .file("proc/33/task/33/stat", "33 (kworker/u8:1+flush-7:0) D 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0")
                .file("proc/33/task/33/wchan", "rq_qos_wait")
                .file("proc/77/task/77/stat", "77 (unrelated) D 1 77 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0")
                .file("proc/meminfo", "MemTotal: 24684000 kB\nDirty:             63488 kB\nWriteback:         57344 kB\n")
                .file("proc/pressure/memory", "some avg10=15.56 avg60=3.10 avg300=0.70 total=123\n"
                        + "full avg10=14.57 avg60=2.90 avg300=0.60 total=100\n")
                .file("sys/fs/cgroup/memory/nbdtk-deadlock-lab/r-writer/memory.usage_in_bytes", "134217728")
                .file("sys/fs/cgroup/memory/nbdtk-deadlock-lab/r-writer/memory.failcnt", "14")
                .file("sys/fs/cgroup/memory/nbdtk-deadlock-lab/r-writer/memory.stat", "cache 1\ndirty 63963136\nwriteback 58720256\n")
                .build();
        MemoryCgroups cg = MemoryCgroups.detect(root).orElseThrow();
        Sampler sampler = new Sampler(root, cg, cg.base().resolve("r-writer"));

        Sample s = sampler.sample(2.0, 103, List.of(102), 2000, -1);

        assertThat(cg.version()).isEqualTo(1);
        assertThat(s.writerBytes()).isEqualTo(123731968L);
        assertThat(s.writerCgroup()).isEqualTo(new MemoryCgroups.Stats(134217728L, 63963136L, 58720256L, 14));
        assertThat(s.dirtyBytes()).isEqualTo(63488L << 10);
        assertThat(s.psiSome10()).isEqualTo(15.56);
        assertThat(s.psiFull10()).isEqualTo(14.57);
        assertThat(s.blocked()).extracting(Sample.BlockedThread::toString)
                .containsExactlyInAnyOrder("nbdfuse/102@folio_wait_bit", "kworker/u8:1+flush-7:0/33@rq_qos_wait");
    }

    @Test
    void aFinishedWriterHasNoProgressFigure() throws Exception {
        Path root = new FakeSystem().build();
        MemoryCgroups cg = MemoryCgroups.detect(root).orElseThrow();

        assertThat(new Sampler(root, cg, cg.base()).writerBytes(4242)).isEqualTo(-1);
    }
}
