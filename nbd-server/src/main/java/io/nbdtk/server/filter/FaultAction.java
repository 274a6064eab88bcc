package io.nbdtk.server.filter;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What a fault does once its rule fires. Request faults act on one transmission request; the
 * handshake faults ({@link RefuseOption}, {@link DropAtOption}, {@link HideFeatures}) act during
 * option negotiation.
 */
public sealed interface FaultAction {

    /** The error values NBD can carry in a reply ({@code NBD_E*}). */
    Set<String> ERRNOS = Set.of("EPERM", "EIO", "ENOMEM", "EINVAL", "ENOSPC", "EOVERFLOW",
            "ENOTSUP", "ESHUTDOWN");

    /** True for faults that act on option negotiation rather than on requests. */
    default boolean handshake() {
        return false;
    }

    /** Fail the request with {@code errno} (one of {@link #ERRNOS}). */
    record Error(String errno) implements FaultAction {
        public Error {
            errno = errno.trim().toUpperCase(Locale.ROOT);
            if (errno.startsWith("NBD_")) {
                errno = errno.substring(4);
            }
            if (!ERRNOS.contains(errno)) {
                throw new IllegalArgumentException("errno '" + errno + "' cannot travel in an NBD reply; use one of "
                        + ERRNOS);
            }
        }
    }

    /** Hold the request {@code fixed} plus a random part in {@code [0, jitter]} before serving it. */
    record Delay(Duration fixed, Duration jitter) implements FaultAction {
        public Delay {
            Objects.requireNonNull(fixed, "fixed");
            Objects.requireNonNull(jitter, "jitter");
            if (fixed.isNegative() || jitter.isNegative()) {
                throw new IllegalArgumentException("delays cannot be negative");
            }
        }
    }

    /** Hold the request until the named gate is released (or the faults are cleared). */
    record Stall(String gate) implements FaultAction {
        public Stall {
            if (gate == null || gate.isBlank() || !gate.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("a stall gate needs a name of letters, digits, '_', '.', '-'");
            }
        }
    }

    /** Close the connection instead of serving the request. */
    record Disconnect() implements FaultAction {}

    /** Serve the request, send the first half of its reply, then close the connection. */
    record CutReply() implements FaultAction {}

    /** Serve the request but send a reply the client must reject. */
    record MalformedReply(Malformation kind) implements FaultAction {
        public MalformedReply {
            Objects.requireNonNull(kind, "kind");
        }
    }

    /** The ways {@link MalformedReply} breaks a reply. */
    enum Malformation {
        /** The reply's magic number is wrong. */
        BAD_MAGIC,
        /** The reply carries a cookie (handle) the client never sent. */
        UNKNOWN_COOKIE
    }

    /** Answer the named option ({@code NBD_OPT_*} name, e.g. {@code STRUCTURED_REPLY}) with an error. */
    record RefuseOption(String option) implements FaultAction {
        public RefuseOption {
            option = optionName(option);
        }

        @Override
        public boolean handshake() {
            return true;
        }
    }

    /** Close the connection when the client sends the named option. */
    record DropAtOption(String option) implements FaultAction {
        public DropAtOption {
            option = optionName(option);
        }

        @Override
        public boolean handshake() {
            return true;
        }
    }

    /** Negotiate as if the server lacked these features. */
    record HideFeatures(Set<Feature> features) implements FaultAction {
        public HideFeatures {
            if (features.isEmpty()) {
                throw new IllegalArgumentException("hide needs at least one feature");
            }
            features = Set.copyOf(EnumSet.copyOf(features));
        }

        @Override
        public boolean handshake() {
            return true;
        }
    }

    private static String optionName(String option) {
        String n = option.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        if (n.startsWith("NBD_OPT_")) {
            n = n.substring("NBD_OPT_".length());
        }
        if (!n.matches("[A-Z_]+")) {
            throw new IllegalArgumentException("not an option name: '" + option + "'");
        }
        return n;
    }
}
