package io.nbdtk.server.acl;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A minimal fixed-newstyle client that sends single options and returns the server's final reply
 * type, so tests can check the exact TLS and policy answers (ERR_TLS_REQD, ERR_POLICY...). Every
 * read times out after 10 s.
 */
public final class OptionProbe implements AutoCloseable {
    static final long IHAVEOPT = 0x49484156454F5054L;
    static final long REPLY_MAGIC = 0x0003e889045565a9L;
    static final int OPT_EXPORT_NAME = 1;
    static final int OPT_LIST = 3;
    static final int OPT_STARTTLS = 5;
    static final int OPT_INFO = 6;
    static final int OPT_GO = 7;
    static final int OPT_STRUCTURED_REPLY = 8;
    public static final int REP_ACK = 1;
    static final int REP_SERVER = 2;
    static final int ERR_UNSUP = 0x80000001;
    public static final int ERR_POLICY = 0x80000002;
    static final int ERR_INVALID = 0x80000003;
    public static final int ERR_TLS_REQD = 0x80000005;
    static final int ERR_UNKNOWN = 0x80000006;

    private final Socket plain;
    private Socket socket;
    private DataInputStream in;
    private DataOutputStream out;

    /** The final reply of an option, and the names of any REP_SERVER replies before it. */
    record Reply(int type, List<String> servers) {}

    public OptionProbe(InetSocketAddress address) throws IOException {
        plain = new Socket();
        plain.connect(address, 10_000);
        plain.setSoTimeout(10_000);
        use(plain);
    }

    private void use(Socket s) throws IOException {
        socket = s;
        in = new DataInputStream(s.getInputStream());
        out = new DataOutputStream(s.getOutputStream());
    }

    /** Reads the greeting and sends the client flags (fixed newstyle, no zeroes). */
    public OptionProbe greet() throws IOException {
        if (in.readLong() != 0x4e42444d41474943L || in.readLong() != IHAVEOPT) {
            throw new IOException("not an NBD newstyle greeting");
        }
        in.readUnsignedShort();
        out.writeInt(3);
        out.flush();
        return this;
    }

    void sendOption(int option, byte[] data) throws IOException {
        out.writeLong(IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    Reply option(int option, byte[] data) throws IOException {
        sendOption(option, data);
        List<String> servers = new ArrayList<>();
        while (true) {
            if (in.readLong() != REPLY_MAGIC) {
                throw new IOException("bad option reply magic");
            }
            int echoed = in.readInt();
            if (echoed != option) {
                throw new IOException("reply to option " + echoed + ", expected " + option);
            }
            int type = in.readInt();
            byte[] payload = new byte[in.readInt()];
            in.readFully(payload);
            if (type == REP_SERVER) {
                int n = java.nio.ByteBuffer.wrap(payload).getInt();
                servers.add(new String(payload, 4, n, StandardCharsets.UTF_8));
                continue;
            }
            if (type == 3) { // REP_INFO: more replies follow
                continue;
            }
            return new Reply(type, servers);
        }
    }

    Reply list() throws IOException {
        return option(OPT_LIST, new byte[0]);
    }

    static byte[] infoPayload(String export) {
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + name.length + 2);
        b.putInt(name.length).put(name).putShort((short) 0);
        return b.array();
    }

    public int go(String export) throws IOException {
        return option(OPT_GO, infoPayload(export)).type();
    }

    int info(String export) throws IOException {
        return option(OPT_INFO, infoPayload(export)).type();
    }

    /** Sends EXPORT_NAME; true if the server answered with export data, false if it hung up. */
    boolean exportName(String export) throws IOException {
        sendOption(OPT_EXPORT_NAME, export.getBytes(StandardCharsets.UTF_8));
        try {
            in.readLong();
            in.readUnsignedShort();
            return true;
        } catch (EOFException e) {
            return false;
        } catch (IOException e) {
            return false; // connection reset
        }
    }

    /** STARTTLS; on ACK the connection continues over TLS (trusting {@code client}'s CA). */
    int startTls(SSLContext client) throws IOException {
        int type = option(OPT_STARTTLS, new byte[0]).type();
        if (type == REP_ACK) {
            SSLSocket tls = (SSLSocket) client.getSocketFactory().createSocket(plain, "localhost", plain.getPort(), true);
            tls.setUseClientMode(true);
            tls.startHandshake();
            use(tls);
        }
        return type;
    }

    /** True if the server has closed the connection (a read sees end of stream). */
    boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false; // still open after 10 s
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        plain.close();
    }
}
