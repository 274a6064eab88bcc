package io.nbdtk.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * NBD_OPT_LIST_META_CONTEXT / NBD_OPT_SET_META_CONTEXT data: u32 name length, export name,
 * u32 query count, count x (u32 length, query).
 */
public record MetaContextRequest(String exportName, List<String> queries) implements Encodable {
    public MetaContextRequest {
        Wire.utf8(exportName, "export name");
        queries = List.copyOf(queries);
        for (String q : queries) {
            Wire.utf8(q, "context query");
        }
    }

    @Override
    public int encodedLength() {
        int n = 8 + Wire.utf8(exportName, "export name").length;
        for (String q : queries) {
            n += 4 + Wire.utf8(q, "context query").length;
        }
        return n;
    }

    @Override
    public void encode(ByteBuffer out) {
        byte[] n = Wire.utf8(exportName, "export name");
        out.putInt(n.length).put(n).putInt(queries.size());
        for (String q : queries) {
            byte[] b = Wire.utf8(q, "context query");
            out.putInt(b.length).put(b);
        }
    }

    /** Decodes the whole option data; every length is checked against what is left first. */
    public static MetaContextRequest decode(ByteBuffer in, Limits limits) throws ProtocolException {
        Wire.need(in, 8, "meta context data");
        long nameLength = Wire.u32(in.getInt());
        if (nameLength > in.remaining() - 4) {
            throw new ProtocolException("meta context export name length " + nameLength
                    + " overruns the option data");
        }
        String name = Wire.readString(in, nameLength, limits, "meta context export name");
        long count = Wire.u32(in.getInt());
        if (count > in.remaining() / 4) {
            throw new ProtocolException("meta context query count " + count + " cannot fit in "
                    + in.remaining() + " bytes");
        }
        List<String> queries = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            Wire.need(in, 4, "meta context query length");
            long len = Wire.u32(in.getInt());
            if (len > in.remaining()) {
                throw new ProtocolException("meta context query " + i + " length " + len
                        + " overruns the option data (" + in.remaining() + " bytes left)");
            }
            queries.add(Wire.readString(in, len, limits, "meta context query"));
        }
        Wire.expectEnd(in, "meta context data");
        return new MetaContextRequest(name, queries);
    }
}
