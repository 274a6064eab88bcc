package io.nbdtk.testkit;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Proves an NBD server really serves an export, not just that its port is open: completes the
 * fixed-newstyle greeting, asks {@code NBD_OPT_INFO} for the export, expects its
 * {@code NBD_REP_INFO} replies and the final {@code NBD_REP_ACK}, then ends with
 * {@code NBD_OPT_ABORT}. Deliberately self-contained (raw bytes) so the probe does not share bugs
 * with the client it helps to test.
 */
final class HandshakeProbe {
    private static final long NBDMAGIC = 0x4e42444d41474943L;
    private static final long IHAVEOPT = 0x49484156454F5054L;
    private static final long REPLY_MAGIC = 0x3e889045565a9L;
    private static final int FLAG_FIXED_NEWSTYLE = 1;
    private static final int FLAG_NO_ZEROES = 2;
    private static final int OPT_ABORT = 2;
    private static final int OPT_INFO = 6;
    private static final int REP_ACK = 1;
    private static final int REP_INFO = 3;
    private static final int INFO_EXPORT = 0;

    private HandshakeProbe() {}

    /** Connects to {@code address} and probes {@code export}; throws with the reason when it is not served. */
    static long probe(SocketAddress address, String export, Duration timeout) throws IOException {
        ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nbd-handshake-probe");
            t.setDaemon(true);
            return t;
        });
        try (SocketChannel ch = SocketChannel.open(address)) {
            Future<Long> f = ex.submit(() -> probe(ch, export));
            try {
                return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IOException("no NBD handshake from " + address + " within " + timeout);
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                throw c instanceof IOException ? (IOException) c : new IOException(c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        } finally {
            ex.shutdownNow();
        }
    }

    /** Probes over an open channel; returns the export size the server announced. */
    static long probe(SocketChannel ch, String export) throws IOException {
        ByteBuffer greeting = read(ch, 18);
        if (greeting.getLong() != NBDMAGIC || greeting.getLong() != IHAVEOPT) {
            throw new IOException("not an NBD newstyle server (bad greeting)");
        }
        int serverFlags = greeting.getShort() & 0xffff;
        if ((serverFlags & FLAG_FIXED_NEWSTYLE) == 0) {
            throw new IOException("server does not speak fixed newstyle");
        }
        int clientFlags = FLAG_FIXED_NEWSTYLE | (serverFlags & FLAG_NO_ZEROES);
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(4 + 16 + 4 + name.length + 2);
        out.putInt(clientFlags);
        out.putLong(IHAVEOPT).putInt(OPT_INFO).putInt(4 + name.length + 2);
        out.putInt(name.length).put(name).putShort((short) 0);
        write(ch, out.flip());
        long size = -1;
        while (true) {
            ByteBuffer h = read(ch, 20);
            if (h.getLong() != REPLY_MAGIC) {
                throw new IOException("bad option reply magic");
            }
            int option = h.getInt();
            int type = h.getInt();
            int length = h.getInt();
            if (option != OPT_INFO || length < 0 || length > 1 << 20) {
                throw new IOException("unexpected option reply for option " + option + " length " + length);
            }
            ByteBuffer body = read(ch, length);
            if (type == REP_ACK) {
                break;
            }
            if (type == REP_INFO && length >= 12 && body.getShort() == INFO_EXPORT) {
                size = body.getLong();
            } else if (type < 0) {
                throw new IOException("server refused export '" + export + "' (reply type 0x"
                        + Integer.toHexString(type) + ")");
            }
        }
        if (size < 0) {
            throw new IOException("server acknowledged NBD_OPT_INFO without NBD_INFO_EXPORT");
        }
        ByteBuffer abort = ByteBuffer.allocate(16).putLong(IHAVEOPT).putInt(OPT_ABORT).putInt(0);
        write(ch, abort.flip());
        return size;
    }

    private static ByteBuffer read(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("server closed the connection during the handshake");
            }
        }
        return b.flip();
    }

    private static void write(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
