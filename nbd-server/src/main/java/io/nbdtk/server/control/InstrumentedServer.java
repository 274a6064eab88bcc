package io.nbdtk.server.control;

import io.nbdtk.server.ExportSpec;
import io.nbdtk.server.HandshakePolicy;
import io.nbdtk.server.NbdServer;
import io.nbdtk.server.filter.FaultSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * An NBD server with fault injection and recording, steered over the {@link ControlServer}
 * side channel: what the testkit's container runs.
 *
 * <pre>
 *   java -cp nbd-server.jar io.nbdtk.server.control.InstrumentedServer \
 *       --listen 0.0.0.0:10809 --control 0.0.0.0:10810 \
 *       --export disk=memory:64M [--export NAME=file:PATH,readonly ...] [--faults 'error=EIO,ops=read,nth=3']
 * </pre>
 *
 * Exports use the {@code nbd-server --export} syntax. Runs until killed (SIGTERM closes it cleanly).
 */
public final class InstrumentedServer {
    private InstrumentedServer() {}

    public static void main(String[] args) throws Exception {
        InetSocketAddress listen = null;
        InetSocketAddress control = null;
        List<ExportSpec> exports = new ArrayList<>();
        String faults = "";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("missing value after " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--listen": listen = address(v); break;
                case "--control": control = address(v); break;
                case "--export": exports.add(ExportSpec.parse(v)); break;
                case "--faults": faults = v; break;
                default: usage("unknown argument " + a);
            }
        }
        if (listen == null || control == null || exports.isEmpty()) {
            usage("--listen, --control and at least one --export are required");
        }
        Instrumentation inst = new Instrumentation();
        inst.faults().set(FaultSpec.parse(faults));
        NbdServer.Builder b = NbdServer.builder().listen(listen).hook(inst).policy(inst.policy(HandshakePolicy.OPEN));
        exports.forEach(b::export);
        NbdServer server = b.start();
        ControlServer controlServer = ControlServer.start(control, inst.faults(), inst.recording(),
                () -> inst.awaitQuiet(java.time.Duration.ofSeconds(5)));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            controlServer.close();
            inst.faults().clear(); // releases stalled requests so the server can finish them
            server.close();
            stopped.countDown();
        }, "nbd-shutdown"));
        System.out.println("nbd " + server.tcpAddress() + " control " + controlServer.address()
                + " exports " + server.exports().keySet());
        stopped.await();
    }

    private static InetSocketAddress address(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            usage("expected HOST:PORT, got " + hostPort);
        }
        String host = hostPort.substring(0, colon).replaceAll("^\\[|\\]$", "");
        return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static void usage(String problem) {
        System.err.println("InstrumentedServer: " + problem);
        System.err.println("usage: --listen HOST:PORT --control HOST:PORT --export NAME=SPEC [--export ...]"
                + " [--faults SPEC]");
        System.exit(2);
    }
}
