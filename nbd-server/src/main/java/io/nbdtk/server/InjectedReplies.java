package io.nbdtk.server;

import io.nbdtk.protocol.ChunkHeader;
import io.nbdtk.protocol.ChunkType;
import io.nbdtk.protocol.Command;
import io.nbdtk.protocol.OffsetData;
import io.nbdtk.protocol.ReplyFlags;
import io.nbdtk.protocol.RequestHeader;
import io.nbdtk.protocol.SimpleReplyHeader;
import io.nbdtk.server.filter.FaultAction;
import io.nbdtk.server.store.BlockStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.SocketChannel;

/**
 * Acts out the wire-level faults a {@link RequestHook} asks for: replies no well-behaved server
 * sends (cut in the middle, bad magic, unknown cookie) and dropped connections. Kept apart from
 * {@link Transmission} so the regular reply code stays free of deliberate breakage.
 */
final class InjectedReplies {
    /** A magic number that is neither the simple, structured nor extended reply magic. */
    static final int BAD_MAGIC = 0x0BADBAD0;

    private InjectedReplies() {}

    /** Acts out {@code fault} for {@code req}; returns the {@link RequestHook#replied} value. */
    static int act(FaultAction fault, RequestHeader req, boolean structured, boolean extended, ReplyWriter out,
            Channel channel, BlockStore store) throws IOException {
        if (fault instanceof FaultAction.Disconnect) {
            drop(channel);
            return RequestHook.NO_REPLY;
        }
        if (fault instanceof FaultAction.CutReply) {
            ByteBuffer whole = fullReply(req, structured, extended, store);
            whole.limit(whole.limit() / 2);
            out.send(whole);
            drop(channel);
            return RequestHook.NO_REPLY;
        }
        if (fault instanceof FaultAction.MalformedReply) {
            FaultAction.Malformation kind = ((FaultAction.MalformedReply) fault).kind();
            ByteBuffer b = ByteBuffer.allocate(ChunkHeader.EXTENDED_SIZE);
            if (kind == FaultAction.Malformation.BAD_MAGIC) {
                b.putInt(BAD_MAGIC).putInt(0).putLong(req.cookie());
            } else {
                header(b, req, ~req.cookie(), structured, extended, 0);
            }
            out.send(b.flip());
            return RequestHook.MALFORMED;
        }
        throw new IllegalArgumentException("not a wire fault: " + fault);
    }

    /**
     * Ends the connection the way a vanished peer would: both directions shut, so the client sees
     * end of stream and this connection's reader sees end of stream too and winds down as it does
     * for any departed client (closing the channel under a blocked reader would race with it).
     * Under TLS there is no socket at hand, so the channel is closed.
     */
    private static void drop(Channel channel) throws IOException {
        if (channel instanceof SocketChannel) {
            SocketChannel socket = (SocketChannel) channel;
            socket.shutdownOutput();
            socket.shutdownInput();
        } else {
            channel.close();
        }
    }

    /** The reply a correct server would send for a successful {@code req} (READ: with its data). */
    private static ByteBuffer fullReply(RequestHeader req, boolean structured, boolean extended, BlockStore store)
            throws IOException {
        int dataLength = req.command() == Command.READ ? (int) req.length() : 0;
        ByteBuffer b = ByteBuffer.allocate(ChunkHeader.EXTENDED_SIZE + OffsetData.HEADER_SIZE + dataLength);
        header(b, req, req.cookie(), structured, extended, dataLength);
        if (dataLength > 0) {
            ByteBuffer data = b.slice(b.position(), dataLength);
            store.read(req.offset(), data);
            b.position(b.position() + dataLength);
        }
        return b.flip();
    }

    private static void header(ByteBuffer b, RequestHeader req, long cookie, boolean structured, boolean extended,
            int dataLength) {
        boolean read = req.command() == Command.READ;
        if (structured && read && dataLength > 0) {
            OffsetData.writeHeader(b, extended, true, cookie, req.offset(), req.offset(), dataLength);
        } else if (extended || (structured && read)) {
            ChunkHeader.write(b, extended, ReplyFlags.DONE, ChunkType.NONE.code(), cookie, req.offset(), 0);
        } else {
            SimpleReplyHeader.write(b, 0, cookie);
        }
    }
}
