package io.nbdtk.protocol;

/** Structured reply chunk flags (u16 in the chunk header). */
public final class ReplyFlags {
    private ReplyFlags() {}

    /** Set on the last chunk of a reply. */
    public static final int DONE = 1;
}
