package io.nbdtk.server.control;

import io.nbdtk.protocol.Option;
import io.nbdtk.protocol.OptionReplyType;
import io.nbdtk.protocol.TransmissionFlags;
import io.nbdtk.server.HandshakePolicy;
import io.nbdtk.server.RequestHook;
import io.nbdtk.server.filter.FaultAction;
import io.nbdtk.server.filter.FaultInjector;
import io.nbdtk.server.filter.Feature;
import io.nbdtk.server.filter.Recording;
import io.nbdtk.server.filter.RequestKind;
import io.nbdtk.protocol.NbdError;
import io.nbdtk.server.store.StoreException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;

/**
 * Fault injection and traffic recording for a whole server: the {@link RequestHook} that applies
 * a {@link FaultInjector} to every request and feeds a {@link Recording}, plus the
 * {@link HandshakePolicy} that acts out option faults and hidden features. Install both:
 * {@code NbdServer.builder().hook(inst).policy(inst.policy(HandshakePolicy.OPEN))}.
 */
public final class Instrumentation implements RequestHook {
    private final FaultInjector faults;
    private final Recording recording;
    /** Per connection: requests arrived and not yet answered, except those a fault is holding. */
    private final java.util.Map<Long, Integer> busy = new java.util.HashMap<>();

    public Instrumentation() {
        this(new FaultInjector(), new Recording());
    }

    public Instrumentation(FaultInjector faults, Recording recording) {
        this.faults = faults;
        this.recording = recording;
    }

    public FaultInjector faults() {
        return faults;
    }

    public Recording recording() {
        return recording;
    }

    private record Token(long connection, RequestKind kind, long offset, long length, long handle) {}

    @Override
    public Object arrived(long connection, String export, int command, long cookie, long offset, long length,
            int flags) {
        RequestKind kind = RequestKind.ofCommandCode(command);
        long handle = kind == null ? -1 : recording.begin(export, connection, cookie, kind, offset, length, flags);
        busy(connection, +1);
        return new Token(connection, kind, offset, length, handle);
    }

    @Override
    public FaultAction intercept(Object token) throws IOException {
        Token t = (Token) token;
        if (t.kind == null || t.kind == RequestKind.DISC) {
            return null;
        }
        FaultInjector.Decision d = faults.onRequest(t.connection, t.kind, t.offset, t.length);
        if (d.isServe()) {
            return null;
        }
        boolean waited;
        busy(t.connection, -1);
        try {
            waited = faults.await(d);
        } finally {
            busy(t.connection, +1);
        }
        if (!waited) {
            throw new InterruptedIOException("interrupted while a fault held the request");
        }
        FaultAction outcome = d.outcome();
        if (outcome instanceof FaultAction.Error) {
            String errno = ((FaultAction.Error) outcome).errno();
            throw new StoreException(NbdError.valueOf(errno), "injected " + errno);
        }
        return outcome;
    }

    @Override
    public void replying(Object token) {
        recording.replySent(((Token) token).handle);
    }

    @Override
    public void replied(Object token, int error) {
        Token t = (Token) token;
        recording.end(t.handle, errorName(error));
        busy(t.connection, -1);
    }

    /**
     * Waits (at most {@code timeout}) until every request that arrived has been answered or is
     * held by a fault. A client returns as soon as its reply arrives, a moment before the server
     * records it; snapshots taken after this wait show what the client saw.
     */
    public void awaitQuiet(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            long left;
            while (!busy.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                try {
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private synchronized void busy(long connection, int delta) {
        int n = busy.getOrDefault(connection, 0) + delta;
        if (n == 0) {
            busy.remove(connection);
        } else {
            busy.put(connection, n);
        }
        if (busy.isEmpty()) {
            notifyAll();
        }
    }

    @Override
    public int transmissionFlags(String export, int flags) {
        Set<Feature> hidden = faults.hiddenFeatures();
        if (hidden.isEmpty()) {
            return flags;
        }
        int mask = 0;
        for (Feature f : hidden) {
            switch (f) {
                case MULTI_CONN: mask |= TransmissionFlags.CAN_MULTI_CONN; break;
                case TRIM: mask |= TransmissionFlags.SEND_TRIM; break;
                case FLUSH: mask |= TransmissionFlags.SEND_FLUSH | TransmissionFlags.SEND_FUA; break;
                case FUA: mask |= TransmissionFlags.SEND_FUA; break;
                case ZERO: mask |= TransmissionFlags.SEND_WRITE_ZEROES | TransmissionFlags.SEND_FAST_ZERO; break;
                case FAST_ZERO: mask |= TransmissionFlags.SEND_FAST_ZERO; break;
                case CACHE: mask |= TransmissionFlags.SEND_CACHE; break;
                default: break; // STRUCTURED_REPLIES and BLOCK_STATUS are hidden during negotiation
            }
        }
        return flags & ~mask;
    }

    @Override
    public void closed(long connection) {
        faults.connectionClosed(connection);
        synchronized (this) {
            busy.remove(connection); // whatever it had in flight will never be answered
            if (busy.isEmpty()) {
                notifyAll();
            }
        }
    }

    /**
     * A policy that acts out option faults first and otherwise asks {@code delegate}. Every other
     * method goes to {@code delegate} unchanged (a proxy, so methods added to HandshakePolicy later
     * are passed on too, never silently replaced by their defaults).
     */
    public HandshakePolicy policy(HandshakePolicy delegate) {
        return (HandshakePolicy) Proxy.newProxyInstance(HandshakePolicy.class.getClassLoader(),
                new Class<?>[] {HandshakePolicy.class}, (proxy, method, args) -> {
                    if (method.getName().equals("check") && args != null && args.length == 3
                            && args[1] instanceof Option) {
                        HandshakePolicy.Refusal r = check((Option) args[1]);
                        if (r != null) {
                            return r;
                        }
                    }
                    try {
                        return method.invoke(delegate, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** The refusal an option fault or a hidden feature asks for, or null to let the policy decide. */
    private HandshakePolicy.Refusal check(Option option) {
        Set<Feature> hidden = faults.hiddenFeatures();
        if (hidden.contains(Feature.STRUCTURED_REPLIES)
                && (option == Option.STRUCTURED_REPLY || option == Option.EXTENDED_HEADERS)) {
            return new HandshakePolicy.Refusal(OptionReplyType.ERR_UNSUP, "structured replies are hidden by a fault");
        }
        if (hidden.contains(Feature.BLOCK_STATUS)
                && (option == Option.LIST_META_CONTEXT || option == Option.SET_META_CONTEXT)) {
            return new HandshakePolicy.Refusal(OptionReplyType.ERR_UNSUP, "block status is hidden by a fault");
        }
        FaultAction a = faults.onOption(0, option.name());
        if (a instanceof FaultAction.RefuseOption) {
            return new HandshakePolicy.Refusal(OptionReplyType.ERR_UNSUP, option.name() + " refused by a fault");
        }
        if (a instanceof FaultAction.DropAtOption) {
            // The handshake ends the connection on any unchecked failure of the policy.
            throw new UncheckedIOException(new IOException("connection dropped by a fault at " + option));
        }
        return null;
    }

    private static String errorName(int error) {
        if (error == 0) {
            return null;
        }
        if (error == RequestHook.NO_REPLY) {
            return "NO_REPLY";
        }
        if (error == RequestHook.MALFORMED) {
            return "MALFORMED";
        }
        for (NbdError e : NbdError.values()) {
            if (e.code() == error) {
                return e.name();
            }
        }
        return "E" + error;
    }
}
