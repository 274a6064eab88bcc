package io.nbdtk.client;

import io.nbdtk.protocol.TransmissionFlags;
import java.util.Map;

/**
 * What the handshake established about an export.
 *
 * @param name the canonical name (NBD_INFO_NAME) or the requested one
 * @param description NBD_INFO_DESCRIPTION, or empty
 * @param transmissionFlags NBD_FLAG_* as advertised
 * @param minimumBlock 1 unless the server advertised NBD_INFO_BLOCK_SIZE
 * @param preferredBlock 4096 unless advertised
 * @param maximumPayload unsigned; 32 MiB unless advertised (0xffffffff = no fixed limit)
 * @param blockSizeAdvertised whether the server sent NBD_INFO_BLOCK_SIZE
 * @param metaContexts selected metadata contexts, name to the server's id
 */
public record ExportInfo(String name, String description, long size, int transmissionFlags, int minimumBlock,
        int preferredBlock, long maximumPayload, boolean blockSizeAdvertised, boolean structuredReplies,
        boolean extendedHeaders, boolean tls, Map<String, Integer> metaContexts) {
    public ExportInfo {
        metaContexts = Map.copyOf(metaContexts);
    }

    public boolean has(int transmissionFlag) {
        return TransmissionFlags.has(transmissionFlags, transmissionFlag);
    }

    public boolean isReadOnly() {
        return has(TransmissionFlags.READ_ONLY);
    }

    public boolean canFlush() {
        return has(TransmissionFlags.SEND_FLUSH);
    }

    public boolean canFua() {
        return has(TransmissionFlags.SEND_FUA);
    }

    public boolean canTrim() {
        return has(TransmissionFlags.SEND_TRIM);
    }

    public boolean canZero() {
        return has(TransmissionFlags.SEND_WRITE_ZEROES);
    }

    public boolean canFastZero() {
        return has(TransmissionFlags.SEND_FAST_ZERO);
    }

    public boolean canDf() {
        return has(TransmissionFlags.SEND_DF);
    }

    public boolean canCache() {
        return has(TransmissionFlags.SEND_CACHE);
    }

    public boolean canMultiConn() {
        return has(TransmissionFlags.CAN_MULTI_CONN);
    }

    public boolean isRotational() {
        return has(TransmissionFlags.ROTATIONAL);
    }

    public boolean canBlockStatus() {
        return !metaContexts.isEmpty();
    }

    ExportInfo withMetaContexts(Map<String, Integer> contexts) {
        return new ExportInfo(name, description, size, transmissionFlags, minimumBlock, preferredBlock,
                maximumPayload, blockSizeAdvertised, structuredReplies, extendedHeaders, tls, contexts);
    }

    @Override
    public String toString() {
        return "ExportInfo[name=" + name + ", size=" + size + ", flags=" + TransmissionFlags.describe(transmissionFlags)
                + ", blocks=" + minimumBlock + "/" + preferredBlock + "/" + maximumPayload + ", structured="
                + structuredReplies + ", extended=" + extendedHeaders + ", tls=" + tls + ", contexts="
                + metaContexts + "]";
    }
}
