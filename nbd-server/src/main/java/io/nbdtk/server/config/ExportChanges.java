package io.nbdtk.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a config reload (SIGHUP) changes: exports to add, to remove, and ones whose definition
 * changed (removed and added again, so new connections get the new definition while existing
 * connections to them finish on the old one). Exports whose definition is the same are left
 * alone, with their connections.
 */
public record ExportChanges(List<ExportSection> added, List<String> removed, List<ExportSection> changed) {
    public ExportChanges {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
    }

    public static ExportChanges between(List<ExportSection> before, List<ExportSection> after) {
        Map<String, ExportSection> old = before.stream()
                .collect(Collectors.toMap(ExportSection::name, Function.identity()));
        Map<String, ExportSection> now = after.stream()
                .collect(Collectors.toMap(ExportSection::name, Function.identity()));
        List<ExportSection> added = new ArrayList<>();
        List<ExportSection> changed = new ArrayList<>();
        for (ExportSection e : after) {
            ExportSection previous = old.get(e.name());
            if (previous == null) {
                added.add(e);
            } else if (!previous.sameDefinition(e)) {
                changed.add(e);
            }
        }
        List<String> removed = before.stream().map(ExportSection::name).filter(n -> !now.containsKey(n)).toList();
        return new ExportChanges(added, removed, changed);
    }

    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
    }
}
