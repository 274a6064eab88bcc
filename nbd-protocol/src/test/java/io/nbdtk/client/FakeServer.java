package io.nbdtk.client;

import io.nbdtk.protocol.BaseAllocation;
import io.nbdtk.protocol.Magic;
import io.nbdtk.protocol.Option;
import io.nbdtk.protocol.OptionReplyType;
import io.nbdtk.protocol.TransmissionFlags;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scripted NBD server speaking raw bytes on a loopback port (port 0), one connection. Tests write
 * the script with the helpers below, including bytes no real server would send.
 */
final class FakeServer implements AutoCloseable {
    interface Script {
        void run(FakeServer s) throws Exception;
    }

    private final ServerSocket listener;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private Socket socket;
    DataInputStream in;
    DataOutputStream out;

    FakeServer(Script script) throws IOException {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try (Socket s = listener.accept()) {
                socket = s;
                in = new DataInputStream(s.getInputStream());
                out = new DataOutputStream(s.getOutputStream());
                script.run(this);
                out.flush();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "fake-nbd-server");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    NbdClient connect(ClientOptions options) throws IOException {
        return NbdClient.connectTcp("127.0.0.1", port(), "", options);
    }

    // ------------------------------------------------------------ handshake helpers

    void greet() throws IOException {
        out.writeLong(Magic.NBDMAGIC);
        out.writeLong(Magic.IHAVEOPT);
        out.writeShort(3);
        out.flush();
        in.readInt(); // client flags
    }

    /** Reads one option; returns its number (data is skipped). */
    int readOption() throws IOException {
        long magic = in.readLong();
        if (magic != Magic.IHAVEOPT) {
            throw new IOException("client sent bad option magic");
        }
        int option = in.readInt();
        int len = in.readInt();
        in.skipNBytes(len);
        return option;
    }

    void optionReply(int option, OptionReplyType type, byte[] data) throws IOException {
        out.writeLong(Magic.OPTION_REPLY);
        out.writeInt(option);
        out.writeInt(type.code());
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    /**
     * Answers options until GO: refuses EXTENDED_HEADERS, ACKs STRUCTURED_REPLY if
     * {@code structured}, selects base:allocation as context 1, then GO with a 1 MiB export.
     */
    void negotiate(boolean structured) throws IOException {
        negotiate(structured, TransmissionFlags.HAS_FLAGS | TransmissionFlags.SEND_FLUSH);
    }

    void negotiate(boolean structured, int flags) throws IOException {
        negotiate(structured, false, flags);
    }

    /** As above; with {@code extended} the EXTENDED_HEADERS option is acknowledged too. */
    void negotiate(boolean structured, boolean extended, int flags) throws IOException {
        greet();
        while (true) {
            int opt = readOption();
            if (opt == Option.EXTENDED_HEADERS.code() && extended) {
                optionReply(opt, OptionReplyType.ACK, new byte[0]);
            } else if (opt == Option.STRUCTURED_REPLY.code() && structured) {
                optionReply(opt, OptionReplyType.ACK, new byte[0]);
            } else if (opt == Option.SET_META_CONTEXT.code()) {
                byte[] name = BaseAllocation.NAME.getBytes(StandardCharsets.UTF_8);
                byte[] d = new byte[4 + name.length];
                d[3] = 1;
                System.arraycopy(name, 0, d, 4, name.length);
                optionReply(opt, OptionReplyType.META_CONTEXT, d);
                optionReply(opt, OptionReplyType.ACK, new byte[0]);
            } else if (opt == Option.GO.code()) {
                byte[] d = new byte[12];
                java.nio.ByteBuffer.wrap(d).putShort((short) 0).putLong(1 << 20).putShort((short) flags);
                optionReply(opt, OptionReplyType.INFO, d);
                optionReply(opt, OptionReplyType.ACK, new byte[0]);
                return;
            } else {
                optionReply(opt, OptionReplyType.ERR_UNSUP, new byte[0]);
            }
        }
    }

    // ------------------------------------------------------------ transmission helpers

    /** A request as read from the client (compact headers). */
    record Request(int flags, int type, long cookie, long offset, long length) {}

    Request readRequest() throws IOException {
        int magic = in.readInt();
        if (magic != Magic.REQUEST) {
            throw new IOException("bad request magic " + Integer.toHexString(magic));
        }
        Request r = new Request(in.readUnsignedShort(), in.readUnsignedShort(), in.readLong(), in.readLong(),
                Integer.toUnsignedLong(in.readInt()));
        if (r.type() == 1) {
            in.skipNBytes(r.length());
        }
        return r;
    }

    /** An extended (32-byte) request; a payload flagged PAYLOAD_LEN is skipped. */
    Request readExtendedRequest() throws IOException {
        int magic = in.readInt();
        if (magic != Magic.EXTENDED_REQUEST) {
            throw new IOException("bad extended request magic " + Integer.toHexString(magic));
        }
        Request r = new Request(in.readUnsignedShort(), in.readUnsignedShort(), in.readLong(), in.readLong(),
                in.readLong());
        if ((r.flags() & 0x20) != 0) {
            in.skipNBytes(r.length());
        }
        return r;
    }

    void extendedChunk(int flags, int type, long cookie, long offset, byte[] payload) throws IOException {
        out.writeInt(Magic.EXTENDED_REPLY);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeLong(offset);
        out.writeLong(payload.length);
        out.write(payload);
        out.flush();
    }

    void simpleReply(long cookie, int error) throws IOException {
        out.writeInt(Magic.SIMPLE_REPLY);
        out.writeInt(error);
        out.writeLong(cookie);
        out.flush();
    }

    void chunk(int flags, int type, long cookie, byte[] payload) throws IOException {
        chunkHeader(flags, type, cookie, payload.length);
        out.write(payload);
        out.flush();
    }

    void chunkHeader(int flags, int type, long cookie, long length) throws IOException {
        out.writeInt(Magic.STRUCTURED_REPLY);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeInt((int) length);
    }

    /** Blocks until the client closes its end (bounded by the test's own timeouts). */
    void awaitClientClose() {
        try {
            while (in.read() >= 0) {
                // drain whatever the client still sends (e.g. NBD_CMD_DISC)
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** Waits for the script to end and rethrows its failure. */
    void finish() throws Exception {
        done.get(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException {
        listener.close();
        if (socket != null) {
            socket.close();
        }
    }
}
