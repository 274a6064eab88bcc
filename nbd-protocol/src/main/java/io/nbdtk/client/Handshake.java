package io.nbdtk.client;

import io.nbdtk.protocol.ClientFlags;
import io.nbdtk.protocol.Encodable;
import io.nbdtk.protocol.ExportNameReply;
import io.nbdtk.protocol.Greeting;
import io.nbdtk.protocol.HandshakeFlags;
import io.nbdtk.protocol.Info;
import io.nbdtk.protocol.InfoRequest;
import io.nbdtk.protocol.InfoType;
import io.nbdtk.protocol.Limits;
import io.nbdtk.protocol.MetaContextEntry;
import io.nbdtk.protocol.MetaContextRequest;
import io.nbdtk.protocol.Option;
import io.nbdtk.protocol.OptionHeader;
import io.nbdtk.protocol.OptionReplyHeader;
import io.nbdtk.protocol.OptionReplyType;
import io.nbdtk.protocol.ProtocolException;
import io.nbdtk.protocol.ServerEntry;
import io.nbdtk.protocol.StringPayload;
import io.nbdtk.protocol.Wire;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of the fixed newstyle handshake on one transport: greeting, optional STARTTLS,
 * then options one at a time (the spec forbids pipelining options), ending in transmission (GO or
 * EXPORT_NAME) or a soft disconnect (ABORT) for LIST/INFO queries.
 */
final class Handshake {
    private static final Logger LOG = LoggerFactory.getLogger(Handshake.class);

    private final ClientOptions options;
    private final String peerHost;
    private final int peerPort;
    private final Limits limits = Limits.DEFAULT;
    private Transport transport;
    private boolean noZeroes;
    private boolean tls;

    Handshake(Transport transport, ClientOptions options, String peerHost, int peerPort) {
        this.transport = transport;
        this.options = options;
        this.peerHost = peerHost;
        this.peerPort = peerPort;
    }

    /** The transport to use afterwards (TLS-wrapped after STARTTLS). */
    Transport transport() {
        return transport;
    }

    /** A reply to one option: its header and its whole payload. */
    private record Reply(OptionReplyHeader header, ByteBuffer payload) {
        boolean is(OptionReplyType type) {
            return header.type() == type.code();
        }

        NbdOptionException refusal() {
            return new NbdOptionException(header.option(), header.type(), lenientText(payload));
        }
    }

    /** Greeting, client flags and (if configured) STARTTLS. Returns false for non-fixed newstyle. */
    boolean open() throws IOException {
        ByteBuffer g = ByteBuffer.allocate(Greeting.SIZE);
        transport.readFully(g);
        Greeting greeting = Greeting.decode(g.flip());
        boolean fixed = greeting.fixedNewstyle();
        noZeroes = greeting.noZeroes();
        int flags = (fixed ? HandshakeFlags.C_FIXED_NEWSTYLE : 0) | (noZeroes ? HandshakeFlags.C_NO_ZEROES : 0);
        transport.write(new ClientFlags(flags).toBuffer());
        if (!fixed) {
            if (options.requireTls()) {
                throw new IOException("TLS required but " + transport.describe()
                        + " does not speak fixed newstyle (no STARTTLS possible)");
            }
            return false;
        }
        if (options.tls() != null) {
            send(Option.STARTTLS, null);
            Reply r = readReply(Option.STARTTLS);
            if (r.is(OptionReplyType.ACK)) {
                transport = transport.startTls(options.tls(), peerHost, peerPort);
                tls = true;
            } else if (options.requireTls()) {
                throw new IOException("TLS required but " + r.refusal().getMessage());
            } else {
                LOG.debug("STARTTLS refused, continuing without TLS: {}", r.refusal().getMessage());
            }
        }
        return true;
    }

    /** Negotiates features and enters transmission for {@code exportName}. */
    ExportInfo enter(String exportName) throws IOException {
        if (!open()) {
            return exportNameFallback(exportName, false, false);
        }
        boolean extended = false;
        boolean structured = false;
        if (options.extendedHeaders()) {
            send(Option.EXTENDED_HEADERS, null);
            Reply r = readReply(Option.EXTENDED_HEADERS);
            extended = r.is(OptionReplyType.ACK);
            structured = extended;
            expectAckOrError(r);
        }
        if (!structured && options.structuredReplies()) {
            send(Option.STRUCTURED_REPLY, null);
            Reply r = readReply(Option.STRUCTURED_REPLY);
            structured = r.is(OptionReplyType.ACK);
            expectAckOrError(r);
        }
        Map<String, Integer> contexts = new LinkedHashMap<>();
        if (structured && !options.metaContexts().isEmpty()) {
            send(Option.SET_META_CONTEXT, new MetaContextRequest(exportName, options.metaContexts()));
            for (Reply r = readReply(Option.SET_META_CONTEXT); !r.is(OptionReplyType.ACK);
                    r = readReply(Option.SET_META_CONTEXT)) {
                if (r.is(OptionReplyType.META_CONTEXT)) {
                    MetaContextEntry e = MetaContextEntry.decode(r.payload(), limits);
                    contexts.put(e.name(), e.id());
                } else if (r.header().isError()) {
                    LOG.debug("SET_META_CONTEXT refused: {}", r.refusal().getMessage());
                    contexts.clear();
                    break;
                } else {
                    throw unexpected(r);
                }
            }
        }
        send(Option.GO, InfoRequest.of(exportName, InfoType.NAME, InfoType.DESCRIPTION, InfoType.BLOCK_SIZE));
        InfoCollector info = new InfoCollector(exportName);
        while (true) {
            Reply r = readReply(Option.GO);
            if (r.is(OptionReplyType.INFO)) {
                info.add(Info.decode(r.payload(), limits));
            } else if (r.is(OptionReplyType.ACK)) {
                return info.build(structured, extended, tls, contexts);
            } else if (r.is(OptionReplyType.ERR_UNSUP) && !extended) {
                LOG.debug("server does not know NBD_OPT_GO, falling back to NBD_OPT_EXPORT_NAME");
                return exportNameFallback(exportName, structured, false).withMetaContexts(contexts);
            } else if (r.header().isError()) {
                throw r.refusal();
            } else {
                throw unexpected(r);
            }
        }
    }

    private ExportInfo exportNameFallback(String exportName, boolean structured, boolean extended)
            throws IOException {
        send(Option.EXPORT_NAME, new StringPayload(exportName));
        ByteBuffer b = ByteBuffer.allocate(ExportNameReply.size(noZeroes));
        try {
            transport.readFully(b);
        } catch (java.io.EOFException e) {
            throw new IOException("server closed the connection after NBD_OPT_EXPORT_NAME '" + exportName
                    + "' (unknown export or refused)", e);
        }
        ExportNameReply reply = ExportNameReply.decode(b.flip(), noZeroes);
        return new ExportInfo(exportName, "", reply.size(), reply.transmissionFlags(), 1, 4096,
                ClientOptions.DEFAULT_MAX_REQUEST, false, structured, extended, tls, Map.of());
    }

    /** NBD_OPT_LIST: every export the server names, then ABORT. */
    List<ServerEntry> list() throws IOException {
        requireFixed();
        send(Option.LIST, null);
        List<ServerEntry> out = new ArrayList<>();
        for (Reply r = readReply(Option.LIST); !r.is(OptionReplyType.ACK); r = readReply(Option.LIST)) {
            if (r.is(OptionReplyType.SERVER)) {
                out.add(ServerEntry.decode(r.payload(), limits));
            } else if (r.header().isError()) {
                throw r.refusal();
            } else {
                throw unexpected(r);
            }
        }
        abort();
        return out;
    }

    /** NBD_OPT_INFO for one export, then ABORT. */
    ExportInfo info(String exportName) throws IOException {
        requireFixed();
        boolean structured = false;
        if (options.structuredReplies()) {
            send(Option.STRUCTURED_REPLY, null);
            Reply r = readReply(Option.STRUCTURED_REPLY);
            structured = r.is(OptionReplyType.ACK);
            expectAckOrError(r);
        }
        send(Option.INFO, InfoRequest.of(exportName, InfoType.NAME, InfoType.DESCRIPTION, InfoType.BLOCK_SIZE));
        InfoCollector info = new InfoCollector(exportName);
        while (true) {
            Reply r = readReply(Option.INFO);
            if (r.is(OptionReplyType.INFO)) {
                info.add(Info.decode(r.payload(), limits));
            } else if (r.is(OptionReplyType.ACK)) {
                break;
            } else if (r.header().isError()) {
                throw r.refusal();
            } else {
                throw unexpected(r);
            }
        }
        Map<String, Integer> contexts = Map.of();
        if (structured) {
            contexts = listMetaContextsOpen(exportName, List.of());
        }
        abort();
        return info.build(structured, false, tls, contexts);
    }

    /** NBD_OPT_LIST_META_CONTEXT (needs structured replies first), then ABORT. */
    Map<String, Integer> listMetaContexts(String exportName, List<String> queries) throws IOException {
        requireFixed();
        send(Option.STRUCTURED_REPLY, null);
        Reply sr = readReply(Option.STRUCTURED_REPLY);
        if (!sr.is(OptionReplyType.ACK)) {
            throw sr.refusal();
        }
        Map<String, Integer> out = listMetaContextsOpen(exportName, queries);
        abort();
        return out;
    }

    private Map<String, Integer> listMetaContextsOpen(String exportName, List<String> queries) throws IOException {
        send(Option.LIST_META_CONTEXT, new MetaContextRequest(exportName, queries));
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Reply r = readReply(Option.LIST_META_CONTEXT); !r.is(OptionReplyType.ACK);
                r = readReply(Option.LIST_META_CONTEXT)) {
            if (r.is(OptionReplyType.META_CONTEXT)) {
                MetaContextEntry e = MetaContextEntry.decode(r.payload(), limits);
                out.put(e.name(), e.id());
            } else if (r.header().isError()) {
                if (queries.isEmpty()) {
                    return Map.of(); // informational only: a server without meta contexts
                }
                throw r.refusal();
            } else {
                throw unexpected(r);
            }
        }
        return out;
    }

    private void requireFixed() throws IOException {
        if (!open()) {
            throw new IOException("server at " + transport.describe() + " does not speak fixed newstyle");
        }
    }

    /** Soft disconnect; servers may answer ACK or just close, both are fine. */
    private void abort() {
        try {
            send(Option.ABORT, null);
            readReply(Option.ABORT);
        } catch (IOException e) {
            LOG.trace("ABORT not acknowledged: {}", e.toString());
        }
    }

    private void send(Option option, Encodable payload) throws IOException {
        transport.write(OptionHeader.encode(option, payload));
    }

    private Reply readReply(Option expected) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(OptionReplyHeader.SIZE);
        transport.readFully(h);
        OptionReplyHeader header = OptionReplyHeader.decode(h.flip(), limits);
        header.expectOption(expected.code());
        ByteBuffer payload = ByteBuffer.allocate(header.length()); // bounded by limits.maxOptionLength
        transport.readFully(payload);
        Reply reply = new Reply(header, payload.flip());
        if (reply.is(OptionReplyType.ERR_SHUTDOWN) && expected != Option.ABORT) {
            abort(); // the spec: a client told the server is shutting down must soft-disconnect
            throw reply.refusal();
        }
        return reply;
    }

    private static void expectAckOrError(Reply r) throws ProtocolException {
        if (!r.is(OptionReplyType.ACK) && !r.header().isError()) {
            throw unexpected(r);
        }
    }

    private static ProtocolException unexpected(Reply r) {
        return new ProtocolException("unexpected " + OptionReplyType.nameOf(r.header().type()) + " reply to "
                + Option.nameOf(r.header().option()));
    }

    /** Error messages are for humans: decode leniently, never fail on them. */
    static String lenientText(ByteBuffer payload) {
        ByteBuffer b = payload.duplicate();
        byte[] bytes = new byte[Math.min(b.remaining(), 4096)];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8).replace('\0', ' ');
    }

    /** Gathers NBD_REP_INFO replies of INFO/GO into an {@link ExportInfo}. */
    private static final class InfoCollector {
        private final String requestedName;
        private Info.Export export;
        private String name;
        private String description = "";
        private Info.BlockSize blockSize;

        InfoCollector(String requestedName) {
            this.requestedName = requestedName;
        }

        void add(Info info) {
            if (info instanceof Info.Export) {
                export = (Info.Export) info;
            } else if (info instanceof Info.Name) {
                name = ((Info.Name) info).name();
            } else if (info instanceof Info.Description) {
                description = ((Info.Description) info).description();
            } else if (info instanceof Info.BlockSize) {
                Info.BlockSize bs = (Info.BlockSize) info;
                if (bs.isValid()) {
                    blockSize = bs;
                } else {
                    LOG.warn("ignoring invalid block size advertisement {}", bs);
                }
            } // unknown info types are ignored, as the spec asks
        }

        ExportInfo build(boolean structured, boolean extended, boolean tls, Map<String, Integer> contexts)
                throws ProtocolException {
            if (export == null) {
                throw new ProtocolException("server acknowledged without sending NBD_INFO_EXPORT");
            }
            int min = blockSize == null ? 1 : blockSize.minimum();
            int pref = blockSize == null ? 4096 : blockSize.preferred();
            long max = blockSize == null ? ClientOptions.DEFAULT_MAX_REQUEST : Wire.u32(blockSize.maximumPayload());
            return new ExportInfo(name == null ? requestedName : name, description, export.size(),
                    export.transmissionFlags(), min, pref, max, blockSize != null, structured, extended, tls,
                    contexts);
        }
    }
}
