package io.nbdtk.server.filter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live state of a set of {@link FaultRule}s: counts matching requests, draws the seeded
 * random numbers, and holds stall gates. One injector serves every connection of a server (or
 * of one export), so "the 3rd READ" means the 3rd READ the server saw. Thread-safe; deciding is
 * cheap and done under a lock, waiting (delays, stalls) is done by the caller outside of it.
 */
public final class FaultInjector {

    /** What to do with one request: wait {@code delay}, wait for {@code gates}, then {@code outcome}. */
    public record Decision(Duration delay, List<String> gates, FaultAction outcome) {
        public static final Decision SERVE = new Decision(Duration.ZERO, List.of(), null);

        /** True when the request is served untouched. */
        public boolean isServe() {
            return delay.isZero() && gates.isEmpty() && outcome == null;
        }
    }

    private static final class Armed {
        final FaultRule rule;
        final SplittableRandom random;
        long matched;
        long fired;

        Armed(FaultRule rule) {
            this.rule = rule;
            this.random = new SplittableRandom(rule.seed());
        }

        /** Counts a match and says whether the rule fires for it. */
        boolean countAndQualify() {
            matched++;
            if (matched <= rule.after() || fired >= rule.times()) {
                return false;
            }
            if (rule.nth() != 0 && matched != rule.nth()) {
                return false;
            }
            return rule.probability() >= 1.0 || random.nextDouble() < rule.probability();
        }
    }

    private static final class Gate {
        final CountDownLatch open = new CountDownLatch(1);
        final AtomicInteger waiting = new AtomicInteger();
    }

    private final Object lock = new Object();
    private List<Armed> armed = List.of();
    private final Map<Long, Long> bytesByConnection = new HashMap<>();
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();

    public FaultInjector() {}

    public FaultInjector(List<FaultRule> rules) {
        set(rules);
    }

    /** Replaces all rules; counters and random generators start afresh, stalled requests go on. */
    public void set(List<FaultRule> rules) {
        List<Armed> fresh = new ArrayList<>();
        rules.forEach(r -> fresh.add(new Armed(r)));
        synchronized (lock) {
            armed = List.copyOf(fresh);
        }
        releaseAll();
    }

    /** Adds one rule after the existing ones (their counters keep going). */
    public void add(FaultRule rule) {
        synchronized (lock) {
            List<Armed> more = new ArrayList<>(armed);
            more.add(new Armed(rule));
            armed = List.copyOf(more);
        }
    }

    /** Removes every rule and releases every stalled request. */
    public void clear() {
        set(List.of());
    }

    public List<FaultRule> rules() {
        synchronized (lock) {
            List<FaultRule> out = new ArrayList<>();
            armed.forEach(a -> out.add(a.rule));
            return List.copyOf(out);
        }
    }

    /** How often each rule has fired so far, in rule order. */
    public List<Long> firedCounts() {
        synchronized (lock) {
            List<Long> out = new ArrayList<>();
            armed.forEach(a -> out.add(a.fired));
            return List.copyOf(out);
        }
    }

    /** Decides the fate of one transmission request of {@code connection}. */
    public Decision onRequest(long connection, RequestKind kind, long offset, long length) {
        synchronized (lock) {
            if (armed.isEmpty()) {
                return Decision.SERVE;
            }
            long moved = bytesByConnection.getOrDefault(connection, 0L);
            if (kind == RequestKind.READ || kind == RequestKind.WRITE) {
                moved += length;
                bytesByConnection.put(connection, moved);
            }
            Duration delay = Duration.ZERO;
            List<String> stallOn = new ArrayList<>();
            FaultAction outcome = null;
            for (Armed a : armed) {
                FaultRule r = a.rule;
                if (r.action().handshake() || !r.watches(kind) || !r.overlaps(offset, length)
                        || (r.afterBytes() > 0 && moved <= r.afterBytes())) {
                    continue;
                }
                boolean terminal = !(r.action() instanceof FaultAction.Delay)
                        && !(r.action() instanceof FaultAction.Stall);
                // Every rule counts every request it watches ("the 2nd READ" is the server's 2nd READ),
                // but only the first terminal rule that qualifies acts on it.
                if (!a.countAndQualify() || (terminal && outcome != null)) {
                    continue;
                }
                a.fired++;
                if (r.action() instanceof FaultAction.Delay) {
                    FaultAction.Delay d = (FaultAction.Delay) r.action();
                    delay = delay.plus(d.fixed());
                    if (!d.jitter().isZero()) {
                        delay = delay.plusNanos(a.random.nextLong(d.jitter().toNanos() + 1));
                    }
                } else if (r.action() instanceof FaultAction.Stall) {
                    stallOn.add(((FaultAction.Stall) r.action()).gate());
                } else {
                    outcome = r.action();
                }
            }
            if (delay.isZero() && stallOn.isEmpty() && outcome == null) {
                return Decision.SERVE;
            }
            return new Decision(delay, List.copyOf(stallOn), outcome);
        }
    }

    /** The features the hide rules in force conceal (hide rules have no triggers: they always apply). */
    public Set<Feature> hiddenFeatures() {
        synchronized (lock) {
            Set<Feature> hidden = EnumSet.noneOf(Feature.class);
            for (Armed a : armed) {
                if (a.rule.action() instanceof FaultAction.HideFeatures) {
                    hidden.addAll(((FaultAction.HideFeatures) a.rule.action()).features());
                }
            }
            return hidden;
        }
    }

    /**
     * The fault for an option the client sent ({@code NBD_OPT_*} name without prefix): a
     * {@link FaultAction.RefuseOption}, a {@link FaultAction.DropAtOption}, or null to go on.
     */
    public FaultAction onOption(long connection, String option) {
        synchronized (lock) {
            for (Armed a : armed) {
                FaultAction act = a.rule.action();
                String target = act instanceof FaultAction.RefuseOption ? ((FaultAction.RefuseOption) act).option()
                        : act instanceof FaultAction.DropAtOption ? ((FaultAction.DropAtOption) act).option() : null;
                if (target != null && target.equals(option) && a.countAndQualify()) {
                    a.fired++;
                    return act;
                }
            }
            return null;
        }
    }

    /** Forgets the byte count of a closed connection. */
    public void connectionClosed(long connection) {
        synchronized (lock) {
            bytesByConnection.remove(connection);
        }
    }

    /**
     * Waits as {@code decision} says (delay, then each stall gate). Returns false when interrupted
     * (the caller should then fail the request), true otherwise.
     */
    public boolean await(Decision decision) {
        try {
            if (!decision.delay().isZero()) {
                Thread.sleep(decision.delay().toMillis(), decision.delay().toNanosPart() % 1_000_000);
            }
            for (String name : decision.gates()) {
                Gate g = gate(name);
                g.waiting.incrementAndGet();
                try {
                    g.open.await();
                } finally {
                    g.waiting.decrementAndGet();
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** How many requests wait at the named gate right now. */
    public int stalled(String gate) {
        Gate g = gates.get(gate);
        return g == null ? 0 : g.waiting.get();
    }

    /** Opens the named gate: requests waiting there go on, later ones pass until the rules change. */
    public void release(String gate) {
        gate(gate).open.countDown();
    }

    /** Opens every gate and starts over with closed ones (used when the rules change). */
    public void releaseAll() {
        List<Gate> old = new ArrayList<>(gates.values());
        gates.clear();
        old.forEach(g -> g.open.countDown());
    }

    private Gate gate(String name) {
        return gates.computeIfAbsent(name, n -> new Gate());
    }
}
