package io.nbdtk.server.filter;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The text form of faults, as given to {@code nbd-server --filter fault:SPEC} and sent over the
 * control channel. Rules are separated by {@code ;} or new lines; a rule is a comma-separated
 * list of {@code key[=value]} items with exactly one action:
 *
 * <pre>
 *   error=EIO            delay=100ms[,jitter=50ms]    stall=GATE      disconnect
 *   cut-reply            malformed=bad-magic|unknown-cookie
 *   refuse-option=NAME   drop-at-option=NAME          hide=structured-replies|multi-conn|...
 * </pre>
 *
 * and any of the triggers {@code ops=read|write|flush|trim|zero|block_status|cache},
 * {@code offset=FROM-TO} (half-open, sizes take k/m/g suffixes), {@code after-bytes=N},
 * {@code after=N}, {@code nth=N}, {@code times=N}, {@code rate=10%|0.1|1:10}, {@code seed=N}.
 * nbdkit's spellings are accepted too: {@code error-rate}, {@code rdelay}, {@code wdelay} and
 * {@code delay-read|write|zero|trim|extents|cache}. Example:
 * {@code error=EIO,ops=read,offset=1m-2m,times=3; delay=20ms,jitter=10ms,ops=write}.
 */
public final class FaultSpec {
    private FaultSpec() {}

    /** Parses every rule in {@code text}; blank text means no rules. */
    public static List<FaultRule> parse(String text) {
        List<FaultRule> rules = new ArrayList<>();
        for (String part : text.split("[;\n]")) {
            if (!part.isBlank()) {
                rules.add(parseRule(part));
            }
        }
        return List.copyOf(rules);
    }

    /** The text form of {@code rules}, one rule per line; {@link #parse} reads it back. */
    public static String format(List<FaultRule> rules) {
        StringJoiner out = new StringJoiner("\n");
        rules.forEach(r -> out.add(format(r)));
        return out.toString();
    }

    public static FaultRule parseRule(String text) {
        Map<String, String> items = new LinkedHashMap<>();
        for (String item : text.split(",")) {
            String t = item.trim();
            if (t.isEmpty()) {
                continue;
            }
            int eq = t.indexOf('=');
            String key = (eq < 0 ? t : t.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : t.substring(eq + 1).trim();
            if (items.put(key, value) != null) {
                throw new IllegalArgumentException("'" + key + "' given twice in fault '" + text.trim() + "'");
            }
        }
        try {
            return build(items);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad fault '" + text.trim() + "': " + e.getMessage(), e);
        }
    }

    private static FaultRule build(Map<String, String> items) {
        Set<RequestKind> kinds = EnumSet.noneOf(RequestKind.class);
        Duration jitter = Duration.ZERO;
        FaultAction action = null;
        long from = 0;
        long to = Long.MAX_VALUE;
        long afterBytes = 0;
        long after = 0;
        long nth = 0;
        long times = FaultRule.UNLIMITED;
        double probability = 1.0;
        long seed = FaultRule.DEFAULT_SEED;
        Duration delay = null;
        for (Map.Entry<String, String> e : items.entrySet()) {
            String key = e.getKey();
            String v = e.getValue();
            FaultAction a = null;
            switch (key) {
                case "error": a = new FaultAction.Error(v.isEmpty() ? "EIO" : v); break;
                case "stall": a = new FaultAction.Stall(v); break;
                case "disconnect": a = new FaultAction.Disconnect(); break;
                case "cut-reply": a = new FaultAction.CutReply(); break;
                case "malformed": a = new FaultAction.MalformedReply(malformation(v)); break;
                case "refuse-option": a = new FaultAction.RefuseOption(v); break;
                case "drop-at-option": a = new FaultAction.DropAtOption(v); break;
                case "hide": a = new FaultAction.HideFeatures(features(v)); break;
                case "delay": delay = duration(v); break;
                case "rdelay": case "delay-read": delay = duration(v); kinds.add(RequestKind.READ); break;
                case "delay-write": delay = duration(v); kinds.add(RequestKind.WRITE); break;
                case "delay-zero": delay = duration(v); kinds.add(RequestKind.ZERO); break;
                case "delay-trim": delay = duration(v); kinds.add(RequestKind.TRIM); break;
                case "delay-extents": delay = duration(v); kinds.add(RequestKind.BLOCK_STATUS); break;
                case "delay-cache": delay = duration(v); kinds.add(RequestKind.CACHE); break;
                case "wdelay":
                    delay = duration(v);
                    kinds.addAll(EnumSet.of(RequestKind.WRITE, RequestKind.ZERO, RequestKind.TRIM));
                    break;
                case "jitter": jitter = duration(v); break;
                case "ops": case "op": case "kinds":
                    for (String k : v.split("\\|")) {
                        kinds.add(RequestKind.parse(k));
                    }
                    break;
                case "offset": {
                    int dash = v.indexOf('-');
                    if (dash <= 0) {
                        throw new IllegalArgumentException("offset wants FROM-TO, got '" + v + "'");
                    }
                    from = size(v.substring(0, dash));
                    to = size(v.substring(dash + 1));
                    break;
                }
                case "after-bytes": afterBytes = size(v); break;
                case "after": case "after-requests": after = count(v); break;
                case "nth": nth = count(v); break;
                case "times": times = count(v); break;
                case "rate": case "error-rate": probability = probability(v); break;
                case "seed": seed = Long.parseLong(v); break;
                default: throw new IllegalArgumentException("unknown key '" + key + "'");
            }
            if (a != null) {
                if (action != null) {
                    throw new IllegalArgumentException("more than one action");
                }
                action = a;
            }
        }
        if (delay != null) {
            if (action != null) {
                throw new IllegalArgumentException("more than one action");
            }
            action = new FaultAction.Delay(delay, jitter);
        } else if (!jitter.isZero()) {
            throw new IllegalArgumentException("jitter needs a delay");
        }
        if (action == null) {
            throw new IllegalArgumentException("no action (error, delay, stall, disconnect, cut-reply, "
                    + "malformed, refuse-option, drop-at-option or hide)");
        }
        return new FaultRule(kinds, from, to, afterBytes, after, nth, times, probability, seed, action);
    }

    public static String format(FaultRule r) {
        StringJoiner out = new StringJoiner(",");
        FaultAction a = r.action();
        if (a instanceof FaultAction.Error) {
            out.add("error=" + ((FaultAction.Error) a).errno());
        } else if (a instanceof FaultAction.Delay) {
            FaultAction.Delay d = (FaultAction.Delay) a;
            out.add("delay=" + duration(d.fixed()));
            if (!d.jitter().isZero()) {
                out.add("jitter=" + duration(d.jitter()));
            }
        } else if (a instanceof FaultAction.Stall) {
            out.add("stall=" + ((FaultAction.Stall) a).gate());
        } else if (a instanceof FaultAction.Disconnect) {
            out.add("disconnect");
        } else if (a instanceof FaultAction.CutReply) {
            out.add("cut-reply");
        } else if (a instanceof FaultAction.MalformedReply) {
            out.add("malformed=" + ((FaultAction.MalformedReply) a).kind().name().toLowerCase(Locale.ROOT)
                    .replace('_', '-'));
        } else if (a instanceof FaultAction.RefuseOption) {
            out.add("refuse-option=" + ((FaultAction.RefuseOption) a).option());
        } else if (a instanceof FaultAction.DropAtOption) {
            out.add("drop-at-option=" + ((FaultAction.DropAtOption) a).option());
        } else if (a instanceof FaultAction.HideFeatures) {
            StringJoiner f = new StringJoiner("|");
            EnumSet.copyOf(((FaultAction.HideFeatures) a).features()).forEach(x -> f.add(x.spec()));
            out.add("hide=" + f);
        }
        if (!r.kinds().isEmpty()) {
            StringJoiner k = new StringJoiner("|");
            EnumSet.copyOf(r.kinds()).forEach(x -> k.add(x.name().toLowerCase(Locale.ROOT)));
            out.add("ops=" + k);
        }
        if (r.offsetFrom() != 0 || r.offsetTo() != Long.MAX_VALUE) {
            out.add("offset=" + r.offsetFrom() + "-" + r.offsetTo());
        }
        if (r.afterBytes() != 0) {
            out.add("after-bytes=" + r.afterBytes());
        }
        if (r.after() != 0) {
            out.add("after=" + r.after());
        }
        if (r.nth() != 0) {
            out.add("nth=" + r.nth());
        }
        if (r.times() != FaultRule.UNLIMITED) {
            out.add("times=" + r.times());
        }
        if (r.probability() != 1.0) {
            out.add("rate=" + BigDecimal.valueOf(r.probability()).stripTrailingZeros().toPlainString());
        }
        if (r.seed() != FaultRule.DEFAULT_SEED) {
            out.add("seed=" + r.seed());
        }
        return out.toString();
    }

    private static FaultAction.Malformation malformation(String v) {
        try {
            return FaultAction.Malformation.valueOf(v.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed wants bad-magic or unknown-cookie, got '" + v + "'");
        }
    }

    private static Set<Feature> features(String v) {
        Set<Feature> set = EnumSet.noneOf(Feature.class);
        for (String f : v.split("\\|")) {
            set.add(Feature.parse(f));
        }
        return set;
    }

    private static long count(String v) {
        long n = Long.parseLong(v.trim());
        if (n < 0) {
            throw new IllegalArgumentException("negative count " + v);
        }
        return n;
    }

    /** A byte count: digits with an optional binary suffix k, m, g or t. */
    static long size(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        int shift = 0;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k': shift = 10; break;
                case 'm': shift = 20; break;
                case 'g': shift = 30; break;
                case 't': shift = 40; break;
                default: break;
            }
        }
        if (shift != 0) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            long n = Long.parseLong(s);
            if (n < 0 || (n << shift) >>> shift != n) {
                throw new IllegalArgumentException("size out of range: '" + v + "'");
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + v + "'");
        }
    }

    /** A probability: {@code 10%}, {@code 0.1} or {@code 1:10}. */
    static double probability(String v) {
        String s = v.trim();
        try {
            if (s.endsWith("%")) {
                return Double.parseDouble(s.substring(0, s.length() - 1)) / 100.0;
            }
            int colon = s.indexOf(':');
            if (colon > 0) {
                return Double.parseDouble(s.substring(0, colon)) / Double.parseDouble(s.substring(colon + 1));
            }
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a probability: '" + v + "'");
        }
    }

    /** A duration: a number with unit s, ms, us or ns; a bare number means seconds (as in nbdkit). */
    static Duration duration(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        long unitNanos;
        String number;
        if (s.endsWith("ms")) {
            unitNanos = 1_000_000L;
            number = s.substring(0, s.length() - 2);
        } else if (s.endsWith("us") || s.endsWith("µs")) {
            unitNanos = 1_000L;
            number = s.substring(0, s.length() - 2);
        } else if (s.endsWith("ns")) {
            unitNanos = 1L;
            number = s.substring(0, s.length() - 2);
        } else if (s.endsWith("s")) {
            unitNanos = 1_000_000_000L;
            number = s.substring(0, s.length() - 1);
        } else {
            unitNanos = 1_000_000_000L;
            number = s;
        }
        try {
            BigDecimal nanos = new BigDecimal(number.trim()).multiply(BigDecimal.valueOf(unitNanos));
            if (nanos.signum() < 0) {
                throw new IllegalArgumentException("negative duration '" + v + "'");
            }
            return Duration.ofNanos(nanos.longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a duration: '" + v + "'");
        }
    }

    static String duration(Duration d) {
        long nanos = d.toNanos();
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        if (nanos % 1_000L == 0) {
            return nanos / 1_000L + "us";
        }
        return nanos + "ns";
    }
}
