package io.nbdtk.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * NBD_OPT_INFO / NBD_OPT_GO data: u32 name length, export name, u16 count, count x u16 info type.
 * An empty name means the default export.
 */
public record InfoRequest(String exportName, List<Integer> infoTypes) implements Encodable {
    public InfoRequest {
        Wire.utf8(exportName, "export name");
        infoTypes = List.copyOf(infoTypes);
        if (infoTypes.size() > 0xFFFF) {
            throw new IllegalArgumentException("too many info requests: " + infoTypes.size());
        }
    }

    public static InfoRequest of(String exportName, InfoType... types) {
        List<Integer> codes = new ArrayList<>();
        for (InfoType t : types) {
            codes.add(t.code());
        }
        return new InfoRequest(exportName, codes);
    }

    @Override
    public int encodedLength() {
        return 4 + Wire.utf8(exportName, "export name").length + 2 + 2 * infoTypes.size();
    }

    @Override
    public void encode(ByteBuffer out) {
        byte[] n = Wire.utf8(exportName, "export name");
        out.putInt(n.length).put(n).putShort((short) infoTypes.size());
        for (int t : infoTypes) {
            out.putShort((short) t);
        }
    }

    /** Decodes the whole option data; the name and the list must fill it exactly. */
    public static InfoRequest decode(ByteBuffer in, Limits limits) throws ProtocolException {
        Wire.need(in, 6, "INFO/GO data");
        long nameLength = Wire.u32(in.getInt());
        if (nameLength > in.remaining() - 2) {
            throw new ProtocolException("INFO/GO export name length " + nameLength + " overruns the option data ("
                    + (in.remaining() + 4) + " bytes)");
        }
        String name = Wire.readString(in, nameLength, limits, "INFO/GO export name");
        int count = Wire.u16(in.getShort());
        if (in.remaining() != 2L * count) {
            throw new ProtocolException("INFO/GO declares " + count + " info requests but has "
                    + in.remaining() + " bytes for them");
        }
        List<Integer> types = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            types.add(Wire.u16(in.getShort()));
        }
        return new InfoRequest(name, types);
    }
}
