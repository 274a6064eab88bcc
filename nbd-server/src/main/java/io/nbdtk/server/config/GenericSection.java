package io.nbdtk.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code [generic]} section: where to listen, TLS material and server-wide policy.
 *
 * @param listenAddresses local addresses to bind (reference default {@code ::} and {@code 0.0.0.0})
 * @param port TCP port (reference default 10809; the reference's {@code 0} means inetd mode)
 * @param unixSocket listen on this Unix socket instead of TCP
 * @param dualListen with {@code unixSocket}, listen on TCP as well
 * @param allowList answer NBD_OPT_LIST (otherwise ERR_POLICY, as the reference)
 * @param forceTls FORCEDTLS: nothing but STARTTLS and ABORT before TLS
 * @param certFile PEM server certificate (defaults to {@code keyFile} like the reference)
 * @param keyFile PEM private key; TLS is available only when it is set
 * @param caCertFile PEM CA that client certificates must chain to (then client certs are required)
 * @param maxConnections nbdtk extension: limit on concurrent connections to the whole server
 * @param maxThreads worker thread count, when given
 */
public record GenericSection(
        List<String> listenAddresses,
        int port,
        Optional<Path> unixSocket,
        boolean dualListen,
        boolean allowList,
        boolean forceTls,
        Optional<Path> certFile,
        Optional<Path> keyFile,
        Optional<Path> caCertFile,
        OptionalInt maxConnections,
        OptionalInt maxThreads) {

    public static final int DEFAULT_PORT = 10809;

    public GenericSection {
        listenAddresses = List.copyOf(listenAddresses);
    }

    /** TLS can be offered only when a key is configured (the reference rule). */
    public boolean tlsConfigured() {
        return keyFile.isPresent();
    }

    /** The certificate path, falling back to the key file as the reference server does. */
    public Optional<Path> effectiveCertFile() {
        return certFile.isPresent() ? certFile : keyFile;
    }
}
