package io.nbdtk.client;

import io.nbdtk.protocol.NbdError;
import java.io.IOException;
import java.util.OptionalLong;

/** The server answered a command with an error; the connection itself stays usable. */
public class NbdCommandException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String command;
    private final int errorCode;
    private final String serverMessage;
    private final OptionalLong errorOffset;

    public NbdCommandException(String command, int errorCode, String serverMessage, OptionalLong errorOffset) {
        super(command + " failed: " + NbdError.nameOf(errorCode)
                + (serverMessage.isEmpty() ? "" : " (" + serverMessage + ")")
                + (errorOffset.isPresent() ? " at offset " + Long.toUnsignedString(errorOffset.getAsLong()) : ""));
        this.command = command;
        this.errorCode = errorCode;
        this.serverMessage = serverMessage;
        this.errorOffset = errorOffset;
    }

    /** The failed request, e.g. {@code NBD_CMD_WRITE(offset=0, length=4096)}. */
    public String command() {
        return command;
    }

    /** The error as the spec asks clients to read it: unknown values count as EINVAL. */
    public NbdError error() {
        return NbdError.orEinval(errorCode);
    }

    public int errorCode() {
        return errorCode;
    }

    public String serverMessage() {
        return serverMessage;
    }

    public OptionalLong errorOffset() {
        return errorOffset;
    }
}
