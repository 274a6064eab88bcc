package io.nbdtk.lab;

import io.nbdtk.lab.check.CheckCommand;
import io.nbdtk.lab.run.CleanupCommand;
import io.nbdtk.lab.run.MatrixCommand;
import io.nbdtk.lab.run.RunCommand;
import io.nbdtk.lab.watch.WatchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code deadlock-lab}: reproduce, detect and defuse the local read-write loopback deadlock. */
@Command(name = "deadlock-lab", mixinStandardHelpOptions = true, version = "deadlock-lab 0.1.0",
        description = "Reproduce, detect and defuse the memory-pressure deadlock of a read-write "
                + "NBD/FUSE mount served from the same machine.",
        subcommands = {CheckCommand.class, RunCommand.class, MatrixCommand.class, CleanupCommand.class,
                WatchCommand.class})
public final class LabCommand {
    public static final int EXIT_ERROR = 2;

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LabCommand());
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            line.getErr().println("deadlock-lab: " + ex);
            return EXIT_ERROR;
        });
        cl.setExitCodeExceptionMapper(ex -> EXIT_ERROR);
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
