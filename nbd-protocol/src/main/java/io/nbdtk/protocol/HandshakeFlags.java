package io.nbdtk.protocol;

/** Handshake flags (server, u16 in the greeting) and client flags (u32 answer). */
public final class HandshakeFlags {
    private HandshakeFlags() {}

    public static final int FIXED_NEWSTYLE = 1;
    public static final int NO_ZEROES = 1 << 1;
    /** All handshake flags this codec knows. */
    public static final int KNOWN = FIXED_NEWSTYLE | NO_ZEROES;

    public static final int C_FIXED_NEWSTYLE = 1;
    public static final int C_NO_ZEROES = 1 << 1;
    /** All client flags this codec knows; a server MUST disconnect on any other bit. */
    public static final int C_KNOWN = C_FIXED_NEWSTYLE | C_NO_ZEROES;
}
