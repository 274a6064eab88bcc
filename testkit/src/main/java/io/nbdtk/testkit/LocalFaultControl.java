package io.nbdtk.testkit;

import io.nbdtk.server.filter.FaultInjector;
import io.nbdtk.server.filter.FaultRule;
import java.util.List;

/** {@link FaultControl} over the injector of an in-process server. */
final class LocalFaultControl implements FaultControl {
    private final FaultInjector injector;

    LocalFaultControl(FaultInjector injector) {
        this.injector = injector;
    }

    @Override
    public void set(List<FaultRule> rules) {
        injector.set(rules);
    }

    @Override
    public void add(FaultRule... rules) {
        for (FaultRule r : rules) {
            injector.add(r);
        }
    }

    @Override
    public void clear() {
        injector.clear();
    }

    @Override
    public List<FaultRule> rules() {
        return injector.rules();
    }

    @Override
    public void release(String gate) {
        injector.release(gate);
    }

    @Override
    public int stalled(String gate) {
        return injector.stalled(gate);
    }
}
