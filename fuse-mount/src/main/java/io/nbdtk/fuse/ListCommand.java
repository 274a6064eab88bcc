package io.nbdtk.fuse;

import java.time.Duration;
import java.util.concurrent.Callable;

import io.nbdtk.client.ClientOptions;
import io.nbdtk.client.ExportInfo;
import io.nbdtk.client.NbdClient;
import io.nbdtk.protocol.NbdUri;
import io.nbdtk.protocol.ServerEntry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nbd-fuse list URI}: the server's exports, one per line: name, size in bytes, description. */
@Command(name = "list", mixinStandardHelpOptions = true, versionProvider = NbdFuseCommand.VersionInfo.class,
        description = "List the server's exports: NAME<TAB>SIZE<TAB>DESCRIPTION (the default export as 'default').")
final class ListCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "URI")
    String uri;

    @Override
    public Integer call() throws Exception {
        NbdUri u = NbdUri.parse(uri);
        ClientOptions o = NbdExportSource.clientOptions(new ClientSettings(true, 1, Duration.ofSeconds(30), Duration.ofSeconds(10)));
        for (ServerEntry e : NbdClient.list(u, o)) {
            ExportInfo info = NbdClient.info(NbdExportSource.withExport(u, e.name()), o);
            String description = !e.description().isEmpty() ? e.description() : info.description();
            spec.commandLine().getOut().println(ExportFile.fileNameFor(e.name()) + "\t" + info.size() + "\t" + description);
        }
        return 0;
    }
}
