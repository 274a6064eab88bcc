package io.nbdtk.lab.sys;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * TCP and Unix sockets from {@code /proc/net/tcp}, {@code tcp6} and {@code unix}. /proc/net does
 * not name the peer of a Unix socket (that needs sock_diag), so callers match Unix peers by the
 * listening path instead.
 */
public final class SocketTable {
    /** A TCP socket; {@code listening} is state 0A, {@code established} 01. */
    public record Tcp(long inode, InetAddress localAddress, int localPort, InetAddress remoteAddress, int remotePort,
            int state) {
        public boolean listening() {
            return state == 0x0A;
        }

        public boolean established() {
            return state == 0x01;
        }
    }

    /** A Unix socket; {@code path} is empty for unnamed (client) ends. Flag 0x10000 = listening. */
    public record Unix(long inode, boolean listening, String path) {}

    private final List<Tcp> tcp = new ArrayList<>();
    private final List<Unix> unix = new ArrayList<>();
    private final Set<InetAddress> localAddresses = new HashSet<>();

    public static SocketTable read(ProcFs proc) {
        SocketTable t = new SocketTable();
        proc.read(proc.dir().resolve("net/tcp")).ifPresent(s -> t.parseTcp(s));
        proc.read(proc.dir().resolve("net/tcp6")).ifPresent(s -> t.parseTcp(s));
        proc.read(proc.dir().resolve("net/unix")).ifPresent(s -> t.parseUnix(s));
        return t;
    }

    void parseTcp(String text) {
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 10 || !f[0].endsWith(":")) {
                continue; // header
            }
            String[] local = f[1].split(":");
            String[] remote = f[2].split(":");
            Tcp s = new Tcp(Long.parseLong(f[9]), address(local[0]), Integer.parseInt(local[1], 16),
                    address(remote[0]), Integer.parseInt(remote[1], 16), Integer.parseInt(f[3], 16));
            tcp.add(s);
            if (!s.localAddress().isAnyLocalAddress()) {
                localAddresses.add(s.localAddress());
            }
        }
    }

    void parseUnix(String text) {
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+", 8);
            if (f.length < 7 || !f[0].endsWith(":")) {
                continue;
            }
            boolean listening = (Long.parseLong(f[3], 16) & 0x10000L) != 0;
            unix.add(new Unix(Long.parseLong(f[6]), listening, f.length > 7 ? f[7] : ""));
        }
    }

    /** /proc/net/tcp prints addresses as 32-bit words in host (little-endian) order. */
    static InetAddress address(String hex) {
        byte[] raw = new byte[hex.length() / 2];
        for (int word = 0; word < raw.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = (word * 4 + (3 - i)) * 2;
                raw[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address " + hex + " (" + new BigInteger(hex, 16) + ")", e);
        }
    }

    public Optional<Tcp> tcp(long inode) {
        return tcp.stream().filter(s -> s.inode() == inode).findFirst();
    }

    public Optional<Unix> unix(long inode) {
        return unix.stream().filter(s -> s.inode() == inode).findFirst();
    }

    /** Adds the machine's own addresses (see {@link LocalAddresses}). */
    public void addLocalAddresses(Collection<InetAddress> addresses) {
        localAddresses.addAll(addresses);
    }

    /** Ports with a listening TCP socket. */
    public SortedSet<Integer> listeningPorts() {
        SortedSet<Integer> out = new TreeSet<>();
        tcp.stream().filter(Tcp::listening).forEach(t -> out.add(t.localPort()));
        return out;
    }

    /** True for loopback addresses and addresses some local socket is bound to. */
    public boolean isLocal(InetAddress a) {
        return a.isLoopbackAddress() || localAddresses.contains(a) || isMappedLoopback(a);
    }

    private static boolean isMappedLoopback(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 16 && b[10] == (byte) 0xff && b[11] == (byte) 0xff && b[12] == 127;
    }

    /** Inodes of the listener and the accepted socket that serve the TCP connection {@code client} opened. */
    public List<Long> tcpServerSides(Tcp client) {
        List<Long> out = new ArrayList<>();
        // only a port with a listener is a server side: this keeps the direction of a connection
        boolean served = tcp.stream().anyMatch(s -> s.listening() && s.localPort() == client.remotePort());
        if (!served) {
            return out;
        }
        for (Tcp s : tcp) {
            boolean accepted = s.established() && s.localPort() == client.remotePort()
                    && s.remotePort() == client.localPort() && s.inode() != client.inode();
            boolean listener = s.listening() && s.localPort() == client.remotePort();
            if ((accepted || listener) && s.inode() != 0) {
                out.add(s.inode());
            }
        }
        return out;
    }

    /** Inodes of listening Unix sockets bound to {@code path}. */
    public List<Long> unixListeners(String path) {
        List<Long> out = new ArrayList<>();
        for (Unix u : unix) {
            if (u.listening() && u.path().equals(path)) {
                out.add(u.inode());
            }
        }
        return out;
    }
}
