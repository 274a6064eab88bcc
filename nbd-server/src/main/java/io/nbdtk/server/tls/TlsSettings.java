package io.nbdtk.server.tls;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where TLS material comes from and which mode to run, from the config file and/or CLI flags
 * (flags win). Without a key, TLS is off whatever the mode says, except that asking for
 * {@link TlsMode#REQUIRED} without a key is an error.
 */
public record TlsSettings(TlsMode mode, Optional<Path> certFile, Optional<Path> keyFile, Optional<Path> caFile) {
    public static final TlsSettings OFF = new TlsSettings(TlsMode.OFF, Optional.empty(), Optional.empty(), Optional.empty());

    /** Loads the material (if TLS is on) or returns empty; fails on unusable files. */
    public Optional<ServerTls> load() throws TlsMaterialException {
        if (mode == TlsMode.OFF) {
            return Optional.empty();
        }
        if (keyFile.isEmpty()) {
            throw new TlsMaterialException("TLS mode " + mode + " needs a private key (--tls-key or keyfile)");
        }
        return Optional.of(ServerTls.fromPem(certFile.orElse(keyFile.get()), keyFile.get(), caFile));
    }

    public TlsGate gate(Optional<ServerTls> loaded) {
        return new TlsGate(mode, loaded.isPresent());
    }
}
