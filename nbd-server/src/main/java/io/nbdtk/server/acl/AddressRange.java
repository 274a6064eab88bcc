package io.nbdtk.server.acl;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * One allow-list entry: a numeric IPv4 or IPv6 address, optionally with a CIDR prefix length
 * ({@code 10.0.0.0/8}, {@code fd00::/8}). Host bits after the prefix are ignored, as in the
 * reference server. Never resolves names: only literals are accepted, so reading an allow list
 * cannot block on DNS or be steered by it.
 */
public record AddressRange(InetAddress network, int prefixLength) {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[0-9A-Za-z]+)?");

    public AddressRange {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " outside 0.." + bits);
        }
    }

    /** Parses {@code ADDRESS} or {@code ADDRESS/PREFIX}; throws {@link IllegalArgumentException} if malformed. */
    public static AddressRange parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        InetAddress addr = literal(address);
        int bits = addr.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (!p.matches("\\d{1,3}")) {
                throw new IllegalArgumentException("'" + text + "': prefix length must be a number");
            }
            prefix = Integer.parseInt(p);
            if (prefix > bits) {
                throw new IllegalArgumentException("'" + text + "': prefix length " + prefix + " exceeds " + bits);
            }
        }
        return new AddressRange(addr, prefix);
    }

    private static InetAddress literal(String address) {
        boolean v4 = IPV4.matcher(address).matches();
        boolean v6 = !v4 && address.contains(":") && IPV6.matcher(address).matches();
        if (!v4 && !v6) {
            throw new IllegalArgumentException("'" + address + "' is not a numeric IPv4 or IPv6 address");
        }
        try {
            if (v4) {
                // Parsed here: InetAddress would treat an out-of-range octet as a host name to resolve.
                String[] parts = address.split("\\.");
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int octet = Integer.parseInt(parts[i]);
                    if (octet > 255) {
                        throw new IllegalArgumentException("'" + address + "': octet " + octet + " exceeds 255");
                    }
                    b[i] = (byte) octet;
                }
                return Inet4Address.getByAddress(b);
            }
            // Contains ':' so InetAddress parses it as an IPv6 literal (or fails) without any lookup.
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + address + "' is not a valid address", e);
        }
    }

    /** Whether {@code client} lies in this range; IPv4-mapped IPv6 clients count as IPv4. */
    public boolean contains(InetAddress client) {
        byte[] c = comparable(client);
        byte[] n = network.getAddress();
        if (c.length != n.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (c[i] != n[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (c[full] & mask) == (n[full] & mask);
    }

    private static byte[] comparable(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address && isV4Mapped(b)) {
            return new byte[] {b[12], b[13], b[14], b[15]};
        }
        return b;
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }
}
