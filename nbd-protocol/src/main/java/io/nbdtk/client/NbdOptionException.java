package io.nbdtk.client;

import io.nbdtk.protocol.Option;
import io.nbdtk.protocol.OptionReplyType;
import java.io.IOException;

/** The server refused a handshake option (an NBD_REP_ERR_* reply). */
public class NbdOptionException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int option;
    private final int replyType;

    public NbdOptionException(int option, int replyType, String serverMessage) {
        super("server refused " + Option.nameOf(option) + ": " + OptionReplyType.nameOf(replyType)
                + (serverMessage.isEmpty() ? "" : " (" + serverMessage + ")"));
        this.option = option;
        this.replyType = replyType;
    }

    public int option() {
        return option;
    }

    public int replyType() {
        return replyType;
    }

    /** The known reply type, or {@code null}. */
    public OptionReplyType knownReplyType() {
        return OptionReplyType.of(replyType);
    }
}
