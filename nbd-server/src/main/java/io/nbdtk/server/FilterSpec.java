package io.nbdtk.server;

import io.nbdtk.server.filter.DelayFilter;
import io.nbdtk.server.filter.ErrorFilter;
import io.nbdtk.server.filter.Op;
import io.nbdtk.server.store.BlockStore;
import io.nbdtk.protocol.NbdError;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A filter to stack on an export, as written on the command line:
 * {@code error:error=EIO,rate=0.1,ops=read+write,seed=7} or {@code delay:read=10ms,write=2ms}.
 */
public sealed interface FilterSpec {
    BlockStore wrap(BlockStore next);

    /** nbdkit-error-filter-like fault injection. */
    record Error(NbdError error, double rate, Set<Op> ops, long seed) implements FilterSpec {
        public Error {
            ops = ops.isEmpty() ? Set.of() : EnumSet.copyOf(ops);
        }

        @Override
        public BlockStore wrap(BlockStore next) {
            return new ErrorFilter(next, error, rate, ops, seed);
        }
    }

    /** nbdkit-delay-filter-like fixed delays per operation. */
    record Delay(Map<Op, Duration> delays) implements FilterSpec {
        public Delay {
            delays = Map.copyOf(delays);
        }

        @Override
        public BlockStore wrap(BlockStore next) {
            return new DelayFilter(next, delays);
        }
    }

    static FilterSpec parse(String text) {
        int colon = text.indexOf(':');
        String kind = (colon < 0 ? text : text.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
        String params = colon < 0 ? "" : text.substring(colon + 1);
        switch (kind) {
            case "error": return parseError(params);
            case "delay": return parseDelay(params);
            default: throw new IllegalArgumentException("unknown filter '" + kind + "' (error, delay)");
        }
    }

    private static Error parseError(String params) {
        NbdError error = NbdError.EIO;
        double rate = 1.0;
        Set<Op> ops = EnumSet.noneOf(Op.class);
        long seed = 0;
        for (String kv : params.split(",")) {
            if (kv.isBlank()) {
                continue;
            }
            String[] p = kv.split("=", 2);
            String key = p[0].trim().toLowerCase(Locale.ROOT);
            String value = p.length > 1 ? p[1].trim() : "";
            switch (key) {
                case "error": error = NbdError.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT)); break;
                case "rate":
                    rate = value.endsWith("%")
                            ? Double.parseDouble(value.substring(0, value.length() - 1)) / 100
                            : Double.parseDouble(value);
                    break;
                case "ops": case "op":
                    for (String o : value.split("[+ ]")) {
                        if (!o.isBlank()) {
                            ops.add(Op.parse(o));
                        }
                    }
                    break;
                case "seed": seed = Long.parseLong(value); break;
                default: throw new IllegalArgumentException("unknown error filter parameter '" + key
                        + "' (error, rate, ops, seed)");
            }
        }
        return new Error(error, rate, ops, seed);
    }

    private static Delay parseDelay(String params) {
        Map<Op, Duration> delays = new EnumMap<>(Op.class);
        for (String kv : params.split(",")) {
            if (kv.isBlank()) {
                continue;
            }
            String[] p = kv.split("=", 2);
            if (p.length != 2) {
                throw new IllegalArgumentException("delay filter wants op=duration, got '" + kv + "'");
            }
            delays.put(Op.parse(p[0].replaceFirst("^delay-", "")), parseDuration(p[1].trim()));
        }
        return new Delay(delays);
    }

    /** "10ms", "2s", "500us", or a bare number of milliseconds. */
    static Duration parseDuration(String s) {
        String v = s.toLowerCase(Locale.ROOT);
        if (v.endsWith("ms")) {
            return Duration.ofNanos((long) (Double.parseDouble(v.substring(0, v.length() - 2)) * 1e6));
        }
        if (v.endsWith("us")) {
            return Duration.ofNanos((long) (Double.parseDouble(v.substring(0, v.length() - 2)) * 1e3));
        }
        if (v.endsWith("s")) {
            return Duration.ofNanos((long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 1e9));
        }
        return Duration.ofNanos((long) (Double.parseDouble(v) * 1e6));
    }
}
