package io.nbdtk.lab.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
    static Sample sample(double t, long writerMiB, long dirtyMiB, int blocked) {
        List<Sample.BlockedThread> threads = java.util.stream.IntStream.range(0, blocked)
                .mapToObj(i -> new Sample.BlockedThread(1, i, "nbdfuse", "folio_wait_bit")).toList();
        return new Sample(t, writerMiB < 0 ? -1 : writerMiB << 20, new MemoryCgroups.Stats(128L << 20, dirtyMiB << 20, 0, 3),
                0, 0, 40.0, 20.0, threads, 0, -1);
    }

    static RunResult result(List<Sample> timeline) {
        RunSpec spec = new RunSpec(Scenario.LOOP_EXT4, new PeerStack(), Set.of(), 128L << 20, 1L << 30, 600L << 20,
                Duration.ofSeconds(60), Duration.ofSeconds(8), Path.of("/w"), Path.of("/s"));
        return new RunResult("run-1", spec, Verdict.DEADLOCKED, "stuck <at> 118 MiB", 12, 118L << 20, 8, true,
                List.of("nbdfuse (pid 1) in folio_wait_bit\n[<0>] folio_wait_writeback+0x2a/0x90"),
                "aborting the FUSE connection", timeline, List.of(new Recovery.Step("abort FUSE connection 41", true, "")),
                true, List.of("a & b"));
    }

    @Test
    void plotsOnePointPerSampleForEverySeriesAndEscapesText() {
        String html = HtmlReport.render(result(List.of(sample(0, 0, 0, 0), sample(1, 100, 60, 2), sample(2, 118, 61, 4))));

        Matcher m = Pattern.compile("<polyline[^>]*points=\"([^\"]*)\"").matcher(html);
        int series = 0;
        while (m.find()) {
            series++;
            assertThat(m.group(1).trim().split(" ")).hasSize(3);
        }
        assertThat(series).isEqualTo(5);
        assertThat(html).contains("DEADLOCKED", "stuck &lt;at&gt; 118 MiB", "[&lt;0&gt;] folio_wait_writeback",
                "a &amp; b", "abort FUSE connection 41", "nothing left behind");
        assertThat(html).doesNotContain("<script");
    }

    @Test
    void writerProgressIsCarriedAfterTheWriterExits() {
        String svg = HtmlReport.plot(List.of(sample(0, 0, 0, 0), sample(1, 600, 0, 0), sample(2, -1, 0, 0)));

        Matcher m = Pattern.compile("<polyline[^>]*points=\"([^\"]*)\"").matcher(svg);
        assertThat(m.find()).isTrue();
        String[] points = m.group(1).trim().split(" ");
        assertThat(points[2].split(",")[1]).isEqualTo(points[1].split(",")[1]);
    }
}
