package io.nbdtk.protocol;

/** Magic numbers of the NBD wire format (spec "Magic numbers"). */
public final class Magic {
    private Magic() {}

    /** "NBDMAGIC": the first 8 bytes a server sends. */
    public static final long NBDMAGIC = 0x4e42444d41474943L;
    /** "IHAVEOPT": newstyle greeting magic and the first field of every option request. */
    public static final long IHAVEOPT = 0x49484156454F5054L;
    /** Oldstyle greeting magic (obsolete handshake). */
    public static final long CLISERV_MAGIC = 0x00420281861253L;
    /** First field of every option reply. */
    public static final long OPTION_REPLY = 0x0003e889045565a9L;

    public static final int REQUEST = 0x25609513;
    public static final int EXTENDED_REQUEST = 0x21e41c71;
    public static final int SIMPLE_REPLY = 0x67446698;
    public static final int STRUCTURED_REPLY = 0x668e33ef;
    public static final int EXTENDED_REPLY = 0x6e8a278c;

    /**
     * Size in bytes of the whole reply header that starts with {@code magic} (simple 16,
     * structured 20, extended 32), so a reader can fetch the 4-byte magic first and then the rest.
     *
     * @throws ProtocolException for any other magic
     */
    public static int replyHeaderSize(int magic) throws ProtocolException {
        switch (magic) {
            case SIMPLE_REPLY:
                return SimpleReplyHeader.SIZE;
            case STRUCTURED_REPLY:
                return ChunkHeader.COMPACT_SIZE;
            case EXTENDED_REPLY:
                return ChunkHeader.EXTENDED_SIZE;
            default:
                throw new ProtocolException("bad reply magic 0x" + Integer.toHexString(magic));
        }
    }
}
