package io.nbdtk.lab.check;

/** A writable mount of this machine whose writeback goes to {@code address:port} on another one. */
public record Remote(String mountPoint, String address, int port) {}
