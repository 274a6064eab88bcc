package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/** NBD_REP_SERVER payload (one LIST entry): u32 name length, name, optional description text. */
public record ServerEntry(String name, String description) implements Encodable {
    public ServerEntry {
        Wire.utf8(name, "export name");
        Wire.utf8(description, "export description");
    }

    @Override
    public int encodedLength() {
        return 4 + Wire.utf8(name, "export name").length + Wire.utf8(description, "description").length;
    }

    @Override
    public void encode(ByteBuffer out) {
        byte[] n = Wire.utf8(name, "export name");
        out.putInt(n.length).put(n).put(Wire.utf8(description, "description"));
    }

    public static ServerEntry decode(ByteBuffer in, Limits limits) throws ProtocolException {
        Wire.need(in, 4, "NBD_REP_SERVER");
        long len = Wire.u32(in.getInt());
        if (len > in.remaining()) {
            throw new ProtocolException("NBD_REP_SERVER name length " + len + " overruns reply ("
                    + in.remaining() + " bytes left)");
        }
        String name = Wire.readString(in, len, limits, "NBD_REP_SERVER name");
        String description = Wire.readString(in, in.remaining(), limits, "NBD_REP_SERVER description");
        return new ServerEntry(name, description);
    }
}
