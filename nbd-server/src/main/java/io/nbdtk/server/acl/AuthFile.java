package io.nbdtk.server.acl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The reference server's {@code authfile} allow list: one address or CIDR range per line, blank
 * lines skipped, anything after {@code #} ignored. Like the reference, a missing file allows
 * everyone and an existing file without entries allows no one.
 *
 * <p>The file is read again for every connection (as the reference does), so edits apply to the
 * next client without a reload. A file that cannot be read or has a malformed line denies
 * everyone (fail closed) and the reason is returned for the log.
 */
public final class AuthFile {
    private final Path path;

    public AuthFile(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /** The parsed ranges, or empty when the file does not exist (everyone allowed). */
    public Optional<List<AddressRange>> read() throws IOException, MalformedAuthFileException {
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        List<AddressRange> ranges = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String entry = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (entry.isEmpty()) {
                continue;
            }
            try {
                ranges.add(AddressRange.parse(entry));
            } catch (IllegalArgumentException e) {
                throw new MalformedAuthFileException(path + ":" + (i + 1) + ": " + e.getMessage());
            }
        }
        return Optional.of(ranges);
    }

    /** The decision for one client; {@code client} is null for Unix-socket clients (no address). */
    public Decision check(InetAddress client) {
        Optional<List<AddressRange>> ranges;
        try {
            ranges = read();
        } catch (IOException | MalformedAuthFileException e) {
            return Decision.deny("authfile unusable, denying everyone: " + e.getMessage());
        }
        if (ranges.isEmpty()) {
            return Decision.allow(path + " does not exist: everyone is allowed");
        }
        if (client == null) {
            return Decision.deny("client has no IP address (Unix socket) and " + path + " lists only addresses");
        }
        for (AddressRange r : ranges.get()) {
            if (r.contains(client)) {
                return Decision.allow(client.getHostAddress() + " matches " + r + " in " + path);
            }
        }
        return Decision.deny(client.getHostAddress() + " is not listed in " + path);
    }

    /** As {@link #check(InetAddress)} for a socket's remote address (null or non-IP: no address). */
    public Decision check(SocketAddress remote) {
        InetAddress a = remote instanceof java.net.InetSocketAddress isa ? isa.getAddress() : null;
        return check(a);
    }

    /** Allowed or not, and why (for the log; never sent to the client). */
    public record Decision(boolean allowed, String reason) {
        static Decision allow(String reason) {
            return new Decision(true, reason);
        }

        static Decision deny(String reason) {
            return new Decision(false, reason);
        }
    }

    /** A line that is not an address or CIDR range. */
    public static final class MalformedAuthFileException extends Exception {
        private static final long serialVersionUID = 1L;

        public MalformedAuthFileException(String message) {
            super(message);
        }
    }
}
