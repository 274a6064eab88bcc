package io.nbdtk.server;

import io.nbdtk.protocol.ClientFlags;
import io.nbdtk.protocol.Encodable;
import io.nbdtk.protocol.ExportNameReply;
import io.nbdtk.protocol.Greeting;
import io.nbdtk.protocol.HandshakeFlags;
import io.nbdtk.protocol.Info;
import io.nbdtk.protocol.InfoRequest;
import io.nbdtk.protocol.InfoType;
import io.nbdtk.protocol.Limits;
import io.nbdtk.protocol.Magic;
import io.nbdtk.protocol.MetaContextEntry;
import io.nbdtk.protocol.MetaContextRequest;
import io.nbdtk.protocol.Option;
import io.nbdtk.protocol.OptionReplyHeader;
import io.nbdtk.protocol.OptionReplyType;
import io.nbdtk.protocol.ProtocolException;
import io.nbdtk.protocol.ServerEntry;
import io.nbdtk.protocol.StringPayload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fixed-newstyle handshake of one connection: greeting, client flags, then options until
 * EXPORT_NAME or a successful GO (transmission), ABORT or a hard disconnect. Unknown options get
 * ERR_UNSUP and the stream stays in sync; only framing violations drop the peer.
 */
final class Handshake {
    private static final Logger log = LoggerFactory.getLogger(Handshake.class);
    static final String BASE_ALLOCATION = "base:allocation";
    private static final int META_CONTEXT_ID = 1;
    private static final int HANDSHAKE_FLAGS = HandshakeFlags.FIXED_NEWSTYLE | HandshakeFlags.NO_ZEROES;

    private final ServerContext ctx;
    private final Limits limits;
    private ByteChannel channel;
    private ChannelInput input;
    private WritableByteChannel zeroCopyTarget;
    private Peer peer;

    // negotiated state (STARTTLS resets it)
    private boolean structured;
    private boolean extended;
    private String metaExport; // export named by the last successful SET_META_CONTEXT with >= 1 context
    private boolean noZeroes;

    /** Thrown when the handshake ends without transmission (ABORT, or a refusal that must disconnect). */
    static final class Ended extends Exception {
        Ended(String why) {
            super(why, null, false, false);
        }
    }

    Handshake(ServerContext ctx, ByteChannel channel, WritableByteChannel zeroCopyTarget, Peer peer) {
        this.ctx = ctx;
        this.limits = Limits.DEFAULT.withMaxPayload(ctx.maxPayload).withMaxOptionLength(ServerContext.MAX_OPTION_LENGTH);
        this.channel = channel;
        this.zeroCopyTarget = zeroCopyTarget;
        this.peer = peer;
        this.input = new ChannelInput(channel, 64 * 1024);
    }

    /** Runs the handshake; returns the session to serve, or throws {@link Ended}. */
    Session run() throws IOException, Ended {
        write(new Greeting(HANDSHAKE_FLAGS).toBuffer());
        ClientFlags client;
        try {
            client = ClientFlags.decode(input.next(ClientFlags.SIZE));
        } catch (ProtocolException e) {
            throw new Ended(e.getMessage());
        }
        int bad = client.unexpectedBits(HANDSHAKE_FLAGS);
        if (bad != 0) {
            throw new Ended("client set unknown flags 0x" + Integer.toHexString(bad));
        }
        noZeroes = client.noZeroes();
        while (true) {
            Session s = option();
            if (s != null) {
                return s;
            }
        }
    }

    private Session option() throws IOException, Ended {
        ByteBuffer h = input.next(16);
        long magic = h.getLong();
        int code = h.getInt();
        long length = Integer.toUnsignedLong(h.getInt());
        if (magic != Magic.IHAVEOPT) {
            throw new Ended("bad option magic 0x" + Long.toHexString(magic));
        }
        if (length > ServerContext.MAX_OPTION_LENGTH) {
            if (length > ServerContext.MAX_DRAINED_OPTION) {
                throw new Ended(Option.nameOf(code) + " declares " + length + " bytes of data; dropping the peer");
            }
            input.skip(length);
            error(code, OptionReplyType.ERR_TOO_BIG, "option data of " + length + " bytes exceeds "
                    + ServerContext.MAX_OPTION_LENGTH);
            return null;
        }
        ByteBuffer data = ByteBuffer.allocate((int) length);
        input.readFully(data);
        data.flip();
        Option option = Option.of(code);
        if (option == null || option == Option.PEEK_EXPORT) {
            if (!refused(option, code, null)) { // FORCEDTLS: ERR_TLS_REQD even for unknown options
                error(code, OptionReplyType.ERR_UNSUP, "option " + Option.nameOf(code) + " is not supported");
            }
            return null;
        }
        if (ctx.shuttingDown && option != Option.ABORT) {
            error(code, OptionReplyType.ERR_SHUTDOWN, "server is shutting down");
            return null;
        }
        switch (option) {
            case ABORT:
                reply(code, OptionReplyType.ACK, null);
                throw new Ended("client sent ABORT");
            case STARTTLS:
                startTls(code, data);
                return null;
            case EXPORT_NAME:
                return exportName(data);
            case LIST:
                list(code, data);
                return null;
            case INFO:
            case GO:
                return infoOrGo(option, code, data);
            case STRUCTURED_REPLY:
                structuredReply(code, data);
                return null;
            case EXTENDED_HEADERS:
                extendedHeaders(code, data);
                return null;
            case LIST_META_CONTEXT:
            case SET_META_CONTEXT:
                metaContext(option, code, data);
                return null;
            default:
                error(code, OptionReplyType.ERR_UNSUP, "option " + Option.nameOf(code) + " is not supported");
                return null;
        }
    }

    private boolean refused(Option option, int code, Export export) throws IOException {
        HandshakePolicy.Refusal r = ctx.policy.check(peer, option, export);
        if (r == null) {
            return false;
        }
        error(code, r.type(), r.message());
        return true;
    }

    private void startTls(int code, ByteBuffer data) throws IOException, Ended {
        if (data.hasRemaining()) {
            error(code, OptionReplyType.ERR_INVALID, "STARTTLS takes no data");
            return;
        }
        if (peer.tls()) {
            error(code, OptionReplyType.ERR_INVALID, "TLS is already active");
            return;
        }
        if (!ctx.policy.offersTls(peer)) {
            error(code, OptionReplyType.ERR_UNSUP, "TLS is not configured on this server");
            return;
        }
        reply(code, OptionReplyType.ACK, null);
        try {
            channel = ctx.policy.startTls(channel, peer);
        } catch (IOException e) {
            throw new Ended("TLS handshake failed: " + e.getMessage());
        }
        input = new ChannelInput(channel, 64 * 1024);
        zeroCopyTarget = null;
        peer = peer.withTls();
        structured = false;
        extended = false;
        metaExport = null;
    }

    private Session exportName(ByteBuffer data) throws IOException, Ended {
        String name;
        try {
            name = StringPayload.decode(data, limits, "export name").text();
        } catch (ProtocolException e) {
            throw new Ended("EXPORT_NAME: " + e.getMessage());
        }
        if (extended) {
            throw new Ended("EXPORT_NAME after extended headers were negotiated");
        }
        Export export = ctx.lookup(name);
        if (export == null) {
            throw new Ended("EXPORT_NAME for unknown export '" + name + "'");
        }
        if (ctx.policy.check(peer, Option.EXPORT_NAME, export) != null) {
            throw new Ended("EXPORT_NAME '" + name + "' refused by policy");
        }
        write(new ExportNameReply(export.size(), ctx.hook.transmissionFlags(export.name(), export.transmissionFlags(structured))).toBuffer(noZeroes));
        return session(export, false);
    }

    private void list(int code, ByteBuffer data) throws IOException {
        if (data.hasRemaining()) {
            error(code, OptionReplyType.ERR_INVALID, "LIST takes no data");
            return;
        }
        if (refused(Option.LIST, code, null)) {
            return;
        }
        for (Export e : ctx.all()) {
            if (ctx.policy.lists(peer, e)) {
                reply(code, OptionReplyType.SERVER, new ServerEntry(e.name(), e.description()));
            }
        }
        reply(code, OptionReplyType.ACK, null);
    }

    private Session infoOrGo(Option option, int code, ByteBuffer data) throws IOException {
        InfoRequest req;
        try {
            req = InfoRequest.decode(data, limits);
        } catch (ProtocolException e) {
            error(code, OptionReplyType.ERR_INVALID, e.getMessage());
            return null;
        }
        Export export = ctx.lookup(req.exportName());
        if (refused(option, code, export)) {
            return null;
        }
        if (export == null) {
            error(code, OptionReplyType.ERR_UNKNOWN, "export '" + req.exportName() + "' not available");
            return null;
        }
        reply(code, OptionReplyType.INFO, new Info.Export(export.size(),
                ctx.hook.transmissionFlags(export.name(), export.transmissionFlags(structured))));
        boolean blockSize = false;
        boolean sentName = false;
        boolean sentDescription = false;
        for (int t : req.infoTypes()) {
            InfoType type = InfoType.of(t);
            if (type == InfoType.NAME && !sentName) {
                reply(code, OptionReplyType.INFO, new Info.Name(export.name()));
                sentName = true;
            } else if (type == InfoType.DESCRIPTION && !sentDescription && !export.description().isEmpty()) {
                reply(code, OptionReplyType.INFO, new Info.Description(export.description()));
                sentDescription = true;
            } else if (type == InfoType.BLOCK_SIZE) {
                blockSize = true;
            }
        }
        // block sizes always go out: they are the truth whether or not the client asked
        reply(code, OptionReplyType.INFO, blockSizeInfo(export));
        reply(code, OptionReplyType.ACK, null);
        if (option == Option.INFO) {
            return null;
        }
        Session s = session(export, blockSize);
        log.debug("{}: GO '{}' (structured={}, extended={}, meta={})", peer.remote(), export.name(),
                structured, extended, s.metaContextId());
        return s;
    }

    Info.BlockSize blockSizeInfo(Export export) {
        int min = export.minBlockSize();
        int preferred = Math.max(4096, min);
        long max = Math.min(ctx.maxPayload, 0xFFFF_FFFEL);
        return new Info.BlockSize(min, preferred, (int) Math.max(max, preferred));
    }

    private void structuredReply(int code, ByteBuffer data) throws IOException {
        if (data.hasRemaining()) {
            error(code, OptionReplyType.ERR_INVALID, "STRUCTURED_REPLY takes no data");
            return;
        }
        if (refused(Option.STRUCTURED_REPLY, code, null)) {
            return;
        }
        if (extended) {
            error(code, OptionReplyType.ERR_EXT_HEADER_REQD, "extended headers are already active");
            return;
        }
        structured = true;
        reply(code, OptionReplyType.ACK, null);
    }

    private void extendedHeaders(int code, ByteBuffer data) throws IOException {
        if (data.hasRemaining()) {
            error(code, OptionReplyType.ERR_INVALID, "EXTENDED_HEADERS takes no data");
            return;
        }
        if (refused(Option.EXTENDED_HEADERS, code, null)) {
            return;
        }
        extended = true;
        structured = true; // extended headers imply structured replies
        reply(code, OptionReplyType.ACK, null);
    }

    private void metaContext(Option option, int code, ByteBuffer data) throws IOException {
        boolean set = option == Option.SET_META_CONTEXT;
        if (set) {
            metaExport = null; // SET replaces the selection, even when it fails
        }
        MetaContextRequest req;
        try {
            req = MetaContextRequest.decode(data, limits);
        } catch (ProtocolException e) {
            error(code, OptionReplyType.ERR_INVALID, e.getMessage());
            return;
        }
        if (!structured) {
            error(code, OptionReplyType.ERR_INVALID, "negotiate structured replies before meta contexts");
            return;
        }
        Export export = ctx.lookup(req.exportName());
        if (refused(option, code, export)) {
            return;
        }
        if (export == null) {
            error(code, OptionReplyType.ERR_UNKNOWN, "export '" + req.exportName() + "' not available");
            return;
        }
        boolean match = matches(req.queries(), !set);
        if (match) {
            reply(code, OptionReplyType.META_CONTEXT, new MetaContextEntry(set ? META_CONTEXT_ID : 0, BASE_ALLOCATION));
            if (set) {
                metaExport = export.name();
            }
        }
        reply(code, OptionReplyType.ACK, null);
    }

    /**
     * The spec's query rules for the one context we have: LIST with no queries lists everything;
     * "base:" is a wildcard in LIST only; unknown names and namespaces are ignored.
     */
    static boolean matches(List<String> queries, boolean list) {
        if (queries.isEmpty()) {
            return list;
        }
        for (String q : queries) {
            if (q.equals(BASE_ALLOCATION) || (list && q.equals("base:"))) {
                return true;
            }
        }
        return false;
    }

    private Session session(Export export, boolean blockSizeRequested) {
        int meta = metaExport != null && ctx.lookup(metaExport) == export ? META_CONTEXT_ID : 0;
        return new Session(export, structured, extended, meta, blockSizeRequested, channel, input,
                zeroCopyTarget, peer);
    }

    private void error(int code, OptionReplyType type, String message) throws IOException {
        String m = message == null ? "" : message;
        if (m.length() > 1024) {
            m = m.substring(0, 1024);
        }
        log.debug("{}: {} -> {} ({})", peer.remote(), Option.nameOf(code), type, m);
        reply(code, type, new StringPayload(m.replace('\0', ' ')));
    }

    private void reply(int code, OptionReplyType type, Encodable payload) throws IOException {
        write(OptionReplyHeader.encode(code, type, payload));
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }
}
