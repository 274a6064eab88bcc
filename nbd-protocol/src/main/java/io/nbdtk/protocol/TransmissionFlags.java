package io.nbdtk.protocol;

import java.util.StringJoiner;

/** Transmission flags (u16 in the EXPORT_NAME reply and in NBD_INFO_EXPORT). */
public final class TransmissionFlags {
    private TransmissionFlags() {}

    public static final int HAS_FLAGS = 1;
    public static final int READ_ONLY = 1 << 1;
    public static final int SEND_FLUSH = 1 << 2;
    public static final int SEND_FUA = 1 << 3;
    public static final int ROTATIONAL = 1 << 4;
    public static final int SEND_TRIM = 1 << 5;
    public static final int SEND_WRITE_ZEROES = 1 << 6;
    public static final int SEND_DF = 1 << 7;
    public static final int CAN_MULTI_CONN = 1 << 8;
    public static final int SEND_RESIZE = 1 << 9;
    public static final int SEND_CACHE = 1 << 10;
    public static final int SEND_FAST_ZERO = 1 << 11;
    public static final int BLOCK_STATUS_PAYLOAD = 1 << 12;

    private static final String[] NAMES = {
        "HAS_FLAGS", "READ_ONLY", "SEND_FLUSH", "SEND_FUA", "ROTATIONAL", "SEND_TRIM",
        "SEND_WRITE_ZEROES", "SEND_DF", "CAN_MULTI_CONN", "SEND_RESIZE", "SEND_CACHE",
        "SEND_FAST_ZERO", "BLOCK_STATUS_PAYLOAD"
    };

    public static boolean has(int flags, int flag) {
        return (flags & flag) == flag;
    }

    /** "HAS_FLAGS|SEND_FLUSH|0x8000" style rendering for logs and error messages. */
    public static String describe(int flags) {
        return Flags.describe(flags & 0xFFFF, NAMES);
    }

    /** Shared bit-name renderer. */
    static final class Flags {
        private Flags() {}

        static String describe(int flags, String[] names) {
            StringJoiner out = new StringJoiner("|");
            int rest = flags;
            for (int bit = 0; bit < names.length; bit++) {
                if ((flags & (1 << bit)) != 0) {
                    out.add(names[bit]);
                    rest &= ~(1 << bit);
                }
            }
            if (rest != 0) {
                out.add("0x" + Integer.toHexString(rest));
            }
            return flags == 0 ? "0" : out.toString();
        }
    }
}
