package io.nbdtk.lab.sys;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The addresses this machine owns: IPv4 "/32 host LOCAL" entries of {@code /proc/net/fib_trie}
 * and the IPv6 addresses of {@code /proc/net/if_inet6}. Used to tell a local peer from a remote
 * one, and to let snapshots of several machines name each other.
 */
public final class LocalAddresses {
    private LocalAddresses() {}

    public static Set<InetAddress> read(ProcFs proc) {
        Set<InetAddress> out = new LinkedHashSet<>();
        String last = null;
        for (String line : proc.read(proc.dir().resolve("net/fib_trie")).orElse("").split("\n")) {
            String t = line.trim();
            if (t.startsWith("|-- ")) {
                last = t.substring(4).trim();
            } else if (t.equals("/32 host LOCAL") && last != null) {
                parse(last, out);
            }
        }
        for (String line : proc.read(proc.dir().resolve("net/if_inet6")).orElse("").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 1 && f[0].length() == 32) {
                parse(f[0].replaceAll("(.{4})(?!$)", "$1:"), out);
            }
        }
        return out;
    }

    private static void parse(String text, Set<InetAddress> out) {
        try {
            out.add(InetAddress.getByName(text)); // literal addresses only: no name lookup
        } catch (UnknownHostException e) {
            // not an address
        }
    }
}
