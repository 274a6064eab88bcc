package io.nbdtk.protocol;

/** Command flags (u16 in the request header). */
public final class CommandFlags {
    private CommandFlags() {}

    public static final int FUA = 1;
    public static final int NO_HOLE = 1 << 1;
    public static final int DF = 1 << 2;
    public static final int REQ_ONE = 1 << 3;
    public static final int FAST_ZERO = 1 << 4;
    /** Extended headers only: the length field is a payload length. */
    public static final int PAYLOAD_LEN = 1 << 5;
    public static final int KNOWN = FUA | NO_HOLE | DF | REQ_ONE | FAST_ZERO | PAYLOAD_LEN;

    private static final String[] NAMES = {"FUA", "NO_HOLE", "DF", "REQ_ONE", "FAST_ZERO", "PAYLOAD_LEN"};

    public static String describe(int flags) {
        return TransmissionFlags.Flags.describe(flags & 0xFFFF, NAMES);
    }
}
