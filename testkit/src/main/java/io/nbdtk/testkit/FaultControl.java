package io.nbdtk.testkit;

import io.nbdtk.server.filter.FaultRule;
import java.util.List;

/**
 * The faults of one running server, in-process or in a container. Rules apply in the order
 * given; changing them resets their counters and releases every stalled request.
 */
public interface FaultControl {

    /** Replaces every rule. */
    void set(List<FaultRule> rules);

    /** Adds rules after the existing ones. */
    void add(FaultRule... rules);

    /** Removes every rule and releases every stalled request. */
    void clear();

    /** The rules in force. */
    List<FaultRule> rules();

    /** Lets requests stalled at {@code gate} (and later ones) go on. */
    void release(String gate);

    /** How many requests wait at {@code gate} now. */
    int stalled(String gate);

    /** Replaces every rule with those in the text form. */
    default void set(String spec) {
        set(Faults.parse(spec));
    }
}
