package io.nbdtk.protocol;

/** Option reply types ({@code NBD_REP_*}); error types have bit 31 set. */
public enum OptionReplyType {
    ACK(1),
    SERVER(2),
    INFO(3),
    META_CONTEXT(4),
    ERR_UNSUP(0x80000001),
    ERR_POLICY(0x80000002),
    ERR_INVALID(0x80000003),
    ERR_PLATFORM(0x80000004),
    ERR_TLS_REQD(0x80000005),
    ERR_UNKNOWN(0x80000006),
    ERR_SHUTDOWN(0x80000007),
    ERR_BLOCK_SIZE_REQD(0x80000008),
    ERR_TOO_BIG(0x80000009),
    ERR_EXT_HEADER_REQD(0x8000000A);

    /** Bit 31 marks every error reply, including ones this codec does not know. */
    public static final int ERROR_BIT = 0x80000000;

    private final int code;

    OptionReplyType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public boolean isError() {
        return isError(code);
    }

    public static boolean isError(int code) {
        return (code & ERROR_BIT) != 0;
    }

    /** The reply type with this wire value, or {@code null} when it is unknown. */
    public static OptionReplyType of(int code) {
        for (OptionReplyType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }

    public static String nameOf(int code) {
        OptionReplyType t = of(code);
        return t != null ? "NBD_REP_" + t.name()
                : "NBD_REP_?(0x" + Integer.toHexString(code) + ")";
    }
}
