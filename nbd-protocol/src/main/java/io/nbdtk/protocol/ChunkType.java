package io.nbdtk.protocol;

/** Structured reply chunk types ({@code NBD_REPLY_TYPE_*}); error types have bit 15 set. */
public enum ChunkType {
    NONE(0),
    OFFSET_DATA(1),
    OFFSET_HOLE(2),
    BLOCK_STATUS(5),
    /** Extended headers only. */
    BLOCK_STATUS_EXT(6),
    ERROR(0x8001),
    ERROR_OFFSET(0x8002);

    public static final int ERROR_BIT = 0x8000;

    private final int code;

    ChunkType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static boolean isError(int code) {
        return (code & ERROR_BIT) != 0;
    }

    /** The chunk type with this wire value, or {@code null} when it is unknown. */
    public static ChunkType of(int code) {
        switch (code) {
            case 0: return NONE;
            case 1: return OFFSET_DATA;
            case 2: return OFFSET_HOLE;
            case 5: return BLOCK_STATUS;
            case 6: return BLOCK_STATUS_EXT;
            case 0x8001: return ERROR;
            case 0x8002: return ERROR_OFFSET;
            default: return null;
        }
    }

    public static String nameOf(int code) {
        ChunkType t = of(code);
        return t != null ? "NBD_REPLY_TYPE_" + t.name() : "NBD_REPLY_TYPE_?(" + code + ")";
    }
}
