package io.nbdtk.fuse;

/** One loopback-safety measure and whether it took effect, with the reason either way. */
public record Mitigation(String name, boolean applied, String detail) {
    @Override
    public String toString() {
        return (applied ? "applied: " : "not applied: ") + name + " (" + detail + ")";
    }
}
