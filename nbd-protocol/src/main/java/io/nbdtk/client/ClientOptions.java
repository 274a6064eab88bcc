package io.nbdtk.client;

import io.nbdtk.protocol.BaseAllocation;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * How {@link NbdClient} connects and negotiates. Immutable; start from {@link #defaults()} and
 * change what you need with the {@code withX} methods.
 *
 * @param connectTimeout bound on the TCP connect
 * @param handshakeTimeout bound on the whole handshake (TLS included)
 * @param requestTimeout bound on each request; a server that exceeds it is considered stalled and
 *     the connection is closed, failing every pending request. {@link Duration#ZERO} = no bound
 * @param tls TLS settings, or {@code null} for no TLS
 * @param requireTls fail unless STARTTLS succeeds (implied by nbds:// URIs)
 * @param structuredReplies ask for NBD_OPT_STRUCTURED_REPLY
 * @param extendedHeaders ask for NBD_OPT_EXTENDED_HEADERS (64-bit requests) when offered
 * @param metaContexts contexts to select with SET_META_CONTEXT (e.g. base:allocation)
 * @param connections connections to open when the export advertises CAN_MULTI_CONN (else 1)
 * @param maxRequestSize largest READ/WRITE sent in one request (bigger ones are split); the
 *     server's advertised maximum payload wins when smaller
 * @param completionExecutor where asynchronous results complete, or {@code null} for one thread
 *     per connection; {@code Runnable::run} completes on the socket reader thread (fastest, but
 *     callbacks must then never block)
 */
public record ClientOptions(Duration connectTimeout, Duration handshakeTimeout, Duration requestTimeout,
        TlsOptions tls, boolean requireTls, boolean structuredReplies, boolean extendedHeaders,
        List<String> metaContexts, int connections, int maxRequestSize, Executor completionExecutor) {
    /** The spec's portable default: servers should accept 32 MiB requests. */
    public static final int DEFAULT_MAX_REQUEST = 32 * 1024 * 1024;

    public ClientOptions {
        Objects.requireNonNull(connectTimeout);
        Objects.requireNonNull(handshakeTimeout);
        Objects.requireNonNull(requestTimeout);
        metaContexts = List.copyOf(metaContexts);
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be >= 1: " + connections);
        }
        if (maxRequestSize < 512) {
            throw new IllegalArgumentException("maxRequestSize must be >= 512: " + maxRequestSize);
        }
        if (requireTls && tls == null) {
            tls = TlsOptions.defaults();
        }
    }

    /** 10 s connect and handshake, 60 s per request, structured replies, extended headers, base:allocation. */
    public static ClientOptions defaults() {
        return new ClientOptions(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(60), null,
                false, true, true, List.of(BaseAllocation.NAME), 1, DEFAULT_MAX_REQUEST, null);
    }

    public ClientOptions withConnectTimeout(Duration d) {
        return new ClientOptions(d, handshakeTimeout, requestTimeout, tls, requireTls, structuredReplies,
                extendedHeaders, metaContexts, connections, maxRequestSize, completionExecutor);
    }

    public ClientOptions withHandshakeTimeout(Duration d) {
        return new ClientOptions(connectTimeout, d, requestTimeout, tls, requireTls, structuredReplies,
                extendedHeaders, metaContexts, connections, maxRequestSize, completionExecutor);
    }

    public ClientOptions withRequestTimeout(Duration d) {
        return new ClientOptions(connectTimeout, handshakeTimeout, d, tls, requireTls, structuredReplies,
                extendedHeaders, metaContexts, connections, maxRequestSize, completionExecutor);
    }

    /** Use TLS when the server offers it (opportunistic); see {@link #withRequireTls}. */
    public ClientOptions withTls(TlsOptions t) {
        return new ClientOptions(connectTimeout, handshakeTimeout, requestTimeout, t, requireTls, structuredReplies,
                extendedHeaders, metaContexts, connections, maxRequestSize, completionExecutor);
    }

    public ClientOptions withRequireTls(boolean require) {
        return new ClientOptions(connectTimeout, handshakeTimeout, requestTimeout, tls, require, structuredReplies,
                extendedHeaders, metaContexts, connections, maxRequestSize, completionExecutor);
    }

    public ClientOptions withStructuredReplies(boolean on) {
        return new ClientOptions(connectTimeout, handshakeTimeout, requestTimeout, tls, requireTls, on,
                extendedHeaders, metaContexts, connections, maxRequestSize, completionExecutor);
    }

    public ClientOptions withExtendedHeaders(boolean on) {
        return new ClientOptions(connectTimeout, handshakeTimeout, requestTimeout, tls, requireTls, structuredReplies,
                on, metaContexts, connections, maxRequestSize, completionExecutor);
    }

    public ClientOptions withMetaContexts(List<String> names) {
        return new ClientOptions(connectTimeout, handshakeTimeout, requestTimeout, tls, requireTls, structuredReplies,
                extendedHeaders, names, connections, maxRequestSize, completionExecutor);
    }

    public ClientOptions withConnections(int n) {
        return new ClientOptions(connectTimeout, handshakeTimeout, requestTimeout, tls, requireTls, structuredReplies,
                extendedHeaders, metaContexts, n, maxRequestSize, completionExecutor);
    }

    public ClientOptions withMaxRequestSize(int bytes) {
        return new ClientOptions(connectTimeout, handshakeTimeout, requestTimeout, tls, requireTls, structuredReplies,
                extendedHeaders, metaContexts, connections, bytes, completionExecutor);
    }

    public ClientOptions withCompletionExecutor(Executor executor) {
        return new ClientOptions(connectTimeout, handshakeTimeout, requestTimeout, tls, requireTls, structuredReplies,
                extendedHeaders, metaContexts, connections, maxRequestSize, executor);
    }
}
