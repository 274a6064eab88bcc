package io.nbdtk.client;

/** The export does not offer what was asked (not advertised by the server); nothing was sent. */
public class NbdUnsupportedException extends UnsupportedOperationException {
    private static final long serialVersionUID = 1L;

    public NbdUnsupportedException(String message) {
        super(message);
    }
}
