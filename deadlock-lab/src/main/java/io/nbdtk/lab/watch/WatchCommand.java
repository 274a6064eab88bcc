package io.nbdtk.lab.watch;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Watch a running NBD server or FUSE daemon and alert, with evidence, when it stops",
                "completing requests while its threads are stuck in uninterruptible sleep.",
                "Exit status: 0 watched until --duration or the process ended without alert, 1 alerted."})
public final class WatchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--pid", required = true, description = "the daemon's process id")
    int pid;

    @Option(names = "--interval", defaultValue = "1", paramLabel = "SECONDS", description = "default: ${DEFAULT-VALUE}")
    double interval;

    @Option(names = "--stall", defaultValue = "10", paramLabel = "SECONDS",
            description = "stuck this long before alerting (default: ${DEFAULT-VALUE})")
    double stall;

    @Option(names = "--duration", defaultValue = "0", paramLabel = "SECONDS",
            description = "stop after this long; 0 = until the process exits (default)")
    double duration;

    @Option(names = "--exit-on-alert", description = "stop at the first alert")
    boolean exitOnAlert;

    @Option(names = "--root", defaultValue = "/", hidden = true)
    Path root;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Watchdog dog = new Watchdog(root, pid, stall);
        long t0 = System.nanoTime();
        boolean alerted = false;
        out.printf("watching pid %d every %.1f s (alert after %.0f s stuck)%n", pid, interval, stall);
        out.flush();
        while (true) {
            double t = (System.nanoTime() - t0) / 1e9;
            Watchdog.Observation o = dog.observe(t);
            if (!o.alive()) {
                out.printf("pid %d has exited%n", pid);
                break;
            }
            Optional<Watchdog.Alert> alert = dog.update(o);
            if (alert.isPresent()) {
                alerted = true;
                out.print(alert.get().text(pid));
                out.flush();
                if (exitOnAlert) {
                    break;
                }
            }
            if (duration > 0 && t >= duration) {
                break;
            }
            Thread.sleep((long) (interval * 1000));
        }
        out.flush();
        return alerted ? 1 : 0;
    }
}
