package io.nbdtk.fuse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Whether an NBD server runs on this machine (this kernel). That is what makes a read-write mount
 * hazardous: writeback of the mounted file then needs a userland process of this same kernel,
 * which needs memory, which may need that writeback (see docs/nbd-fuse.md).
 *
 * @param local true when the server is (or may well be) on this machine
 * @param reason a sentence saying why, for the refusal message and the report
 */
public record Locality(boolean local, String reason) {

    /** Unix sockets are always local. */
    public static Locality ofUnixSocket(String socketPath) {
        return new Locality(true, "the server is reached through the Unix socket " + socketPath
                + ", so it runs on this machine");
    }

    /** TCP: loopback, a wildcard address, an address of a local interface, or a local container. */
    public static Locality ofHost(String host) throws UnknownHostException {
        InetAddress[] addresses = InetAddress.getAllByName(host.isEmpty() ? "localhost" : host);
        List<InterfaceAddress> local = localInterfaceAddresses();
        for (InetAddress a : addresses) {
            if (a.isLoopbackAddress()) {
                return new Locality(true, host + " (" + a.getHostAddress() + ") is a loopback address");
            }
            if (a.isAnyLocalAddress()) {
                return new Locality(true, host + " is the wildcard address, which reaches this machine");
            }
            for (InterfaceAddress ia : local) {
                if (ia.getAddress().equals(a)) {
                    return new Locality(true, host + " (" + a.getHostAddress() + ") is an address of this machine");
                }
            }
            Optional<String> bridge = virtualBridgeSubnet(a, local);
            if (bridge.isPresent()) {
                return new Locality(true, host + " (" + a.getHostAddress() + ") is on the subnet of the local bridge "
                        + bridge.get() + ": most likely a container or VM sharing this kernel");
            }
        }
        return new Locality(false, host + " is not an address of this machine");
    }

    /**
     * Containers share the host kernel, so they count as local. Their addresses are not ours,
     * but they sit on the subnet of a local software bridge (docker0, br-*, virbr*, cni*, ...).
     */
    private static Optional<String> virtualBridgeSubnet(InetAddress a, List<InterfaceAddress> local) {
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                String n = ni.getName();
                if (!(n.startsWith("docker") || n.startsWith("br-") || n.startsWith("virbr") || n.startsWith("cni")
                        || n.startsWith("lxcbr") || n.startsWith("podman"))) {
                    continue;
                }
                for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                    if (sameSubnet(ia, a)) {
                        return Optional.of(n);
                    }
                }
            }
        } catch (SocketException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    static boolean sameSubnet(InterfaceAddress ia, InetAddress a) {
        byte[] x = ia.getAddress().getAddress();
        byte[] y = a.getAddress();
        if (x.length != y.length) {
            return false;
        }
        int bits = ia.getNetworkPrefixLength();
        for (int i = 0; i < x.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((x[i] & mask) != (y[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static List<InterfaceAddress> localInterfaceAddresses() {
        List<InterfaceAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                out.addAll(ni.getInterfaceAddresses());
            }
        } catch (SocketException e) {
            // no interface list: only the loopback/wildcard checks apply
        }
        return out;
    }

    /** Convenience for callers that treat a lookup failure as "cannot tell, assume local". */
    public static Locality ofHostOrAssumeLocal(String host) {
        try {
            return ofHost(host);
        } catch (IOException e) {
            return new Locality(true, "cannot resolve " + host + " (" + e.getMessage() + "); assuming local");
        }
    }
}
