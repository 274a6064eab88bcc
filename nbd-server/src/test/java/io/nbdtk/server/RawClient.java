package io.nbdtk.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.protocol.HandshakeFlags;
import io.nbdtk.protocol.InfoRequest;
import io.nbdtk.protocol.InfoType;
import io.nbdtk.protocol.Magic;
import io.nbdtk.protocol.MetaContextRequest;
import io.nbdtk.protocol.Option;
import io.nbdtk.protocol.OptionReplyType;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately dumb NBD client for tests: writes exactly the bytes it is told to and reads
 * replies field by field, so tests can send malformed input and check the server's exact answer.
 * Every read has a 10 s timeout, so a wrong server hangs no test.
 */
final class RawClient implements AutoCloseable {
    final Socket socket;
    final DataInputStream in;
    final OutputStream out;
    boolean structured;
    boolean extended;
    boolean greeted;

    RawClient(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 10_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    static RawClient connect(NbdServer server) throws IOException {
        return new RawClient(server.tcpAddress());
    }

    record OptionReply(int option, int type, byte[] data) {
        ByteBuffer buf() {
            return ByteBuffer.wrap(data);
        }

        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** A structured (or extended) reply chunk. */
    record Chunk(int flags, int type, long cookie, long offset, byte[] payload) {
        boolean done() {
            return (flags & 1) != 0;
        }

        ByteBuffer buf() {
            return ByteBuffer.wrap(payload);
        }

        int error() {
            return buf().getInt();
        }
    }

    void send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    void send(ByteBuffer b) throws IOException {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        send(a);
    }

    byte[] read(int n) throws IOException {
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /** True when the server closed the connection (EOF or reset) within the read timeout. */
    boolean closedByServer() throws IOException {
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // connection reset
        }
    }

    /** Reads the 18-byte greeting and answers with {@code clientFlags}. */
    int greet(int clientFlags) throws IOException {
        ByteBuffer g = ByteBuffer.wrap(read(18));
        assertThat(g.getLong()).isEqualTo(Magic.NBDMAGIC);
        assertThat(g.getLong()).isEqualTo(Magic.IHAVEOPT);
        int flags = g.getShort() & 0xFFFF;
        greeted = true;
        send(ByteBuffer.allocate(4).putInt(clientFlags).flip());
        return flags;
    }

    void greet() throws IOException {
        greet(HandshakeFlags.C_FIXED_NEWSTYLE | HandshakeFlags.C_NO_ZEROES);
    }

    void option(int code, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + data.length);
        b.putLong(Magic.IHAVEOPT).putInt(code).putInt(data.length).put(data);
        send(b.flip());
    }

    void option(Option o, byte[] data) throws IOException {
        option(o.code(), data);
    }

    OptionReply reply() throws IOException {
        ByteBuffer h = ByteBuffer.wrap(read(20));
        assertThat(h.getLong()).isEqualTo(Magic.OPTION_REPLY);
        int opt = h.getInt();
        int type = h.getInt();
        int len = h.getInt();
        assertThat(len).isBetween(0, 1 << 20);
        return new OptionReply(opt, type, read(len));
    }

    /** Replies up to and including the final one (ACK or an error). */
    List<OptionReply> replies() throws IOException {
        List<OptionReply> all = new ArrayList<>();
        while (true) {
            OptionReply r = reply();
            all.add(r);
            if (r.type() == OptionReplyType.ACK.code() || (r.type() & 0x80000000) != 0) {
                return all;
            }
        }
    }

    static byte[] bytes(io.nbdtk.protocol.Encodable e) {
        ByteBuffer b = e.toBuffer();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    /** Full negotiation of {@code export}: optional SR / extended headers / base:allocation, then GO. */
    List<OptionReply> go(String export, boolean sr, boolean meta, boolean ext) throws IOException {
        if (!greeted) {
            greet();
        }
        if (ext) {
            option(Option.EXTENDED_HEADERS, new byte[0]);
            assertThat(reply().type()).isEqualTo(OptionReplyType.ACK.code());
            extended = true;
            structured = true;
        } else if (sr) {
            option(Option.STRUCTURED_REPLY, new byte[0]);
            assertThat(reply().type()).isEqualTo(OptionReplyType.ACK.code());
            structured = true;
        }
        if (meta) {
            option(Option.SET_META_CONTEXT, bytes(new MetaContextRequest(export, List.of("base:allocation"))));
            assertThat(replies()).extracting(OptionReply::type)
                    .containsExactly(OptionReplyType.META_CONTEXT.code(), OptionReplyType.ACK.code());
        }
        option(Option.GO, bytes(InfoRequest.of(export, InfoType.BLOCK_SIZE)));
        List<OptionReply> r = replies();
        assertThat(r.get(r.size() - 1).type()).as("GO reply").isEqualTo(OptionReplyType.ACK.code());
        return r;
    }

    void go(String export) throws IOException {
        go(export, false, false, false);
    }

    void request(int flags, int type, long cookie, long offset, long length, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32 + (payload == null ? 0 : payload.length));
        if (extended) {
            b.putInt(Magic.EXTENDED_REQUEST).putShort((short) flags).putShort((short) type).putLong(cookie)
                    .putLong(offset).putLong(length);
        } else {
            b.putInt(Magic.REQUEST).putShort((short) flags).putShort((short) type).putLong(cookie)
                    .putLong(offset).putInt((int) length);
        }
        if (payload != null) {
            b.put(payload);
        }
        send(b.flip());
    }

    /** Reads a simple reply header; returns the error (0 = ok) after checking the cookie. */
    int simpleReply(long cookie) throws IOException {
        ByteBuffer h = ByteBuffer.wrap(read(16));
        assertThat(h.getInt()).as("simple reply magic").isEqualTo(Magic.SIMPLE_REPLY);
        int error = h.getInt();
        assertThat(h.getLong()).as("cookie").isEqualTo(cookie);
        return error;
    }

    /** Reads either reply kind's next message: returns a Chunk (simple replies as type -1, error in payload). */
    Chunk nextReply() throws IOException {
        int magic = in.readInt();
        if (magic == Magic.SIMPLE_REPLY) {
            int error = in.readInt();
            long cookie = in.readLong();
            return new Chunk(1, -1, cookie, 0, ByteBuffer.allocate(4).putInt(error).array());
        }
        if (magic == Magic.STRUCTURED_REPLY) {
            int flags = in.readShort() & 0xFFFF;
            int type = in.readShort() & 0xFFFF;
            long cookie = in.readLong();
            int len = in.readInt();
            return new Chunk(flags, type, cookie, 0, read(len));
        }
        if (magic == Magic.EXTENDED_REPLY) {
            int flags = in.readShort() & 0xFFFF;
            int type = in.readShort() & 0xFFFF;
            long cookie = in.readLong();
            long offset = in.readLong();
            long len = in.readLong();
            assertThat(len).isBetween(0L, 1L << 27);
            return new Chunk(flags, type, cookie, offset, read((int) len));
        }
        throw new EOFException("unexpected reply magic 0x" + Integer.toHexString(magic));
    }

    /** All chunks of one structured reply (until DONE), for a client with one request in flight. */
    List<Chunk> structuredReply() throws IOException {
        List<Chunk> chunks = new ArrayList<>();
        Chunk c;
        do {
            c = nextReply();
            chunks.add(c);
        } while (!c.done());
        return chunks;
    }

    /** Simple-reply READ: returns the data, or throws with the error. */
    byte[] readSimple(long cookie, long offset, int length) throws IOException {
        request(0, 0, cookie, offset, length, null);
        int err = simpleReply(cookie);
        assertThat(err).as("READ error").isZero();
        return read(length);
    }

    int writeSimple(long cookie, long offset, byte[] data) throws IOException {
        request(0, 1, cookie, offset, data.length, data);
        return simpleReply(cookie);
    }

    void disconnect() throws IOException {
        request(0, 2, 0, 0, 0, null);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
