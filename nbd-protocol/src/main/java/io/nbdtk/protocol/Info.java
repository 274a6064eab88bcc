package io.nbdtk.protocol;

import java.nio.ByteBuffer;

/**
 * NBD_REP_INFO payload: u16 info type and its data. Known types decode to their own record;
 * anything else to {@link Unknown} (clients must ignore it).
 */
public sealed interface Info extends Encodable {
    int type();

    /** NBD_INFO_EXPORT: u64 size, u16 transmission flags (12 bytes with the type). */
    record Export(long size, int transmissionFlags) implements Info {
        public Export {
            if ((transmissionFlags & ~0xFFFF) != 0) {
                throw new IllegalArgumentException("transmission flags are u16: " + transmissionFlags);
            }
        }

        @Override
        public int type() {
            return InfoType.EXPORT.code();
        }

        @Override
        public int encodedLength() {
            return 12;
        }

        @Override
        public void encode(ByteBuffer out) {
            out.putShort((short) type()).putLong(size).putShort((short) transmissionFlags);
        }
    }

    /** NBD_INFO_NAME: the canonical export name. */
    record Name(String name) implements Info {
        public Name {
            Wire.utf8(name, "export name");
        }

        @Override
        public int type() {
            return InfoType.NAME.code();
        }

        @Override
        public int encodedLength() {
            return 2 + Wire.utf8(name, "export name").length;
        }

        @Override
        public void encode(ByteBuffer out) {
            out.putShort((short) type()).put(Wire.utf8(name, "export name"));
        }
    }

    /** NBD_INFO_DESCRIPTION: human-readable text. */
    record Description(String description) implements Info {
        public Description {
            Wire.utf8(description, "description");
        }

        @Override
        public int type() {
            return InfoType.DESCRIPTION.code();
        }

        @Override
        public int encodedLength() {
            return 2 + Wire.utf8(description, "description").length;
        }

        @Override
        public void encode(ByteBuffer out) {
            out.putShort((short) type()).put(Wire.utf8(description, "description"));
        }
    }

    /** NBD_INFO_BLOCK_SIZE: minimum block, preferred block, maximum payload (u32 each). */
    record BlockSize(int minimum, int preferred, int maximumPayload) implements Info {
        /** Maximum payload value meaning "no fixed limit". */
        public static final int NO_LIMIT = 0xFFFFFFFF;

        @Override
        public int type() {
            return InfoType.BLOCK_SIZE.code();
        }

        public long maximumPayloadUnsigned() {
            return Wire.u32(maximumPayload);
        }

        /** Whether the values obey the spec's rules (powers of two, ordering, ranges). */
        public boolean isValid() {
            long min = Wire.u32(minimum);
            long pref = Wire.u32(preferred);
            return min >= 1 && min <= 65536 && Long.bitCount(min) == 1
                    && Long.bitCount(pref) == 1 && pref >= Math.max(min, 512)
                    && maximumPayloadUnsigned() >= pref;
        }

        @Override
        public int encodedLength() {
            return 14;
        }

        @Override
        public void encode(ByteBuffer out) {
            out.putShort((short) type()).putInt(minimum).putInt(preferred).putInt(maximumPayload);
        }
    }

    /** An info type this codec does not know, kept as raw bytes. */
    record Unknown(int type, byte[] data) implements Info {
        public Unknown {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public int encodedLength() {
            return 2 + data.length;
        }

        @Override
        public void encode(ByteBuffer out) {
            out.putShort((short) type).put(data);
        }
    }

    /** Decodes a whole NBD_REP_INFO payload ({@code in} holds exactly the reply data). */
    static Info decode(ByteBuffer in, Limits limits) throws ProtocolException {
        Wire.need(in, 2, "NBD_REP_INFO");
        int type = Wire.u16(in.getShort());
        InfoType known = InfoType.of(type);
        if (known == null) {
            if (in.remaining() > limits.maxOptionLength()) {
                throw new ProtocolException("NBD_REP_INFO of unknown type " + type + " too long: " + in.remaining());
            }
            byte[] data = new byte[in.remaining()];
            in.get(data);
            return new Unknown(type, data);
        }
        switch (known) {
            case EXPORT:
                exactLength(in, 10, known);
                return new Export(in.getLong(), Wire.u16(in.getShort()));
            case BLOCK_SIZE:
                exactLength(in, 12, known);
                return new BlockSize(in.getInt(), in.getInt(), in.getInt());
            case NAME:
                return new Name(Wire.readString(in, in.remaining(), limits, "NBD_INFO_NAME"));
            case DESCRIPTION:
                return new Description(Wire.readString(in, in.remaining(), limits, "NBD_INFO_DESCRIPTION"));
            default:
                throw new AssertionError(known);
        }
    }

    private static void exactLength(ByteBuffer in, int n, InfoType type) throws ProtocolException {
        if (in.remaining() != n) {
            throw new ProtocolException("NBD_INFO_" + type + " reply length must be " + (n + 2) + ", got "
                    + (in.remaining() + 2));
        }
    }
}
