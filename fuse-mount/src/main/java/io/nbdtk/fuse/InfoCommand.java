package io.nbdtk.fuse;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import io.nbdtk.client.ClientOptions;
import io.nbdtk.client.ExportInfo;
import io.nbdtk.client.NbdClient;
import io.nbdtk.protocol.NbdUri;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nbd-fuse info URI [--json]}: what the export offers, as nbd-fuse would mount it. */
@Command(name = "info", mixinStandardHelpOptions = true, versionProvider = NbdFuseCommand.VersionInfo.class,
        description = "Show an export's size, capabilities and where the server runs (local or not).")
final class InfoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "URI")
    String uri;

    @Option(names = "--json", description = "One JSON object instead of 'key: value' lines.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        NbdUri u = NbdUri.parse(uri);
        ClientOptions o = NbdExportSource.clientOptions(new ClientSettings(true, 1, Duration.ofSeconds(30), Duration.ofSeconds(10)));
        ExportInfo info = NbdClient.info(u, o);
        Locality where = u.unix() ? Locality.ofUnixSocket(u.socketPath()) : Locality.ofHostOrAssumeLocal(u.host());
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("export", info.name());
        fields.put("file", ExportFile.fileNameFor(info.name()));
        fields.put("description", info.description());
        fields.put("size", info.size());
        fields.put("read_only", info.isReadOnly());
        fields.put("can_flush", info.canFlush());
        fields.put("can_trim", info.canTrim());
        fields.put("can_zero", info.canZero());
        fields.put("can_multi_conn", info.canMultiConn());
        fields.put("minimum_block", info.minimumBlock());
        fields.put("preferred_block", info.preferredBlock());
        fields.put("maximum_payload", info.maximumPayload());
        fields.put("tls", info.tls());
        fields.put("local_server", where.local());
        fields.put("locality", where.reason());
        spec.commandLine().getOut().println(json ? Json.object(fields) : Json.lines(fields));
        return 0;
    }
}
