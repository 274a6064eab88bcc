package io.nbdtk.server;

import java.net.SocketAddress;

/** Who is on the other end of a connection, as far as a {@link HandshakePolicy} needs to know. */
public record Peer(SocketAddress remote, SocketAddress local, boolean tls) {
    public Peer withTls() {
        return new Peer(remote, local, true);
    }
}
