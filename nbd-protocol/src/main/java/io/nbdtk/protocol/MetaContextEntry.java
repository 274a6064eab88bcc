package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/** NBD_REP_META_CONTEXT payload: u32 context id, context name (rest of the reply). */
public record MetaContextEntry(int id, String name) implements Encodable {
    public MetaContextEntry {
        Wire.utf8(name, "context name");
    }

    @Override
    public int encodedLength() {
        return 4 + Wire.utf8(name, "context name").length;
    }

    @Override
    public void encode(ByteBuffer out) {
        out.putInt(id).put(Wire.utf8(name, "context name"));
    }

    public static MetaContextEntry decode(ByteBuffer in, Limits limits) throws ProtocolException {
        Wire.need(in, 5, "NBD_REP_META_CONTEXT");
        int id = in.getInt();
        return new MetaContextEntry(id, Wire.readString(in, in.remaining(), limits, "context name"));
    }
}
