package io.nbdtk.lab.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.lab.sys.FakeSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WatchdogTest {
    static final String RUNNING = "52 (nbdfuse) S 1 52 0 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 41146 0 0";
    static final String BLOCKED = RUNNING.replace(") S ", ") D ");

    final Path root = new FakeSystem().process(52, "nbdfuse", List.of("nbdfuse"), "/")
            .file("proc/pressure/memory", "some avg10=0.00 avg60=0 avg300=0 total=0\nfull avg10=0.00 avg60=0 avg300=0 total=0\n")
            .build();
    final Watchdog dog = new Watchdog(root, 52, 10);

    void state(String stat, long rchar, double psiSome) throws Exception {
        Files.writeString(root.resolve("proc/52/task/52/stat"), stat);
        Files.writeString(root.resolve("proc/52/task/52/wchan"), "folio_wait_bit");
        Files.writeString(root.resolve("proc/52/task/52/stack"),
                "[<0>] folio_wait_writeback+0x2a/0x90\n[<0>] try_charge_memcg+0x1c2/0x700\n");
        Files.writeString(root.resolve("proc/52/io"), "rchar: " + rchar + "\nwchar: 0\n");
        Files.writeString(root.resolve("proc/pressure/memory"), "some avg10=" + psiSome + " avg60=0 avg300=0 total=0\n"
                + "full avg10=" + psiSome / 2 + " avg60=0 avg300=0 total=0\n");
    }

    Optional<Watchdog.Alert> at(double t) {
        return dog.update(dog.observe(t));
    }

    @Test
    void anIdleDaemonNeverAlerts() throws Exception {
        state(RUNNING, 100, 0);
        for (int t = 0; t <= 60; t += 5) {
            assertThat(at(t)).isEmpty();
        }
    }

    @Test
    void blockedWithoutProgressForTheStallWindowAlertsOnceWithEvidence() throws Exception {
        state(RUNNING, 100, 0);
        assertThat(at(0)).isEmpty();
        state(BLOCKED, 200, 5.0);
        assertThat(at(1)).isEmpty(); // bytes still moved
        state(BLOCKED, 200, 20.0);
        assertThat(at(6)).isEmpty();

        Optional<Watchdog.Alert> alert = at(11.5);

        assertThat(alert).isPresent();
        assertThat(alert.get().stuckSeconds()).isEqualTo(10.5);
        assertThat(alert.get().blocked()).containsExactly("nbdfuse/52@folio_wait_bit");
        assertThat(alert.get().reclaimWait()).isTrue();
        assertThat(alert.get().pressureRising()).isTrue();
        assertThat(alert.get().text(52)).contains("ALERT", "abort the FUSE connection", "try_charge_memcg");
        assertThat(at(20)).as("one alert per episode").isEmpty();
    }

    @Test
    void progressEndsTheEpisode() throws Exception {
        state(BLOCKED, 100, 1);
        at(0);
        assertThat(at(10)).isPresent();
        state(BLOCKED, 300, 1);
        assertThat(at(11)).isEmpty();
        assertThat(at(21)).as("stuck again after moving: a new alert").isPresent();
    }

    @Test
    void aGoneProcessIsReportedAsNotAlive() {
        assertThat(new Watchdog(root, 4242, 10).observe(0).alive()).isFalse();
    }
}
