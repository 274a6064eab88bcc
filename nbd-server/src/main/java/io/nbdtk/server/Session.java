package io.nbdtk.server;

import java.nio.channels.ByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * What the handshake agreed on, handed to the transmission phase.
 *
 * @param metaContextId id of the selected {@code base:allocation} context, or 0 when none
 * @param zeroCopyTarget the raw socket when no TLS wraps it (store-to-socket transfers), else null
 */
record Session(Export export, boolean structuredReplies, boolean extendedHeaders, int metaContextId,
        boolean blockSizeRequested, ByteChannel channel, ChannelInput input, WritableByteChannel zeroCopyTarget,
        Peer peer) {
    Session withExport(Export e) {
        return new Session(e, structuredReplies, extendedHeaders, metaContextId, blockSizeRequested, channel, input,
                zeroCopyTarget, peer);
    }

    int transmissionFlags() {
        return export.transmissionFlags(structuredReplies);
    }
}
