package io.nbdtk.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

/**
 * Waits until the container's NBD port completes a real handshake for an export (greeting,
 * {@code NBD_OPT_INFO}, {@code NBD_REP_ACK}), not just until the port accepts connections.
 */
public final class NbdHandshakeWaitStrategy extends AbstractWaitStrategy {
    private final int port;
    private final String export;

    public NbdHandshakeWaitStrategy(int containerPort, String export) {
        this.port = containerPort;
        this.export = export;
        withStartupTimeout(Duration.ofSeconds(60));
    }

    @Override
    protected void waitUntilReady() {
        String host = waitStrategyTarget.getHost();
        int mapped = waitStrategyTarget.getMappedPort(port);
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!waitStrategyTarget.isRunning()) {
                throw new ContainerLaunchException("the NBD server container stopped during start-up; logs:\n"
                        + waitStrategyTarget.getLogs());
            }
            try {
                HandshakeProbe.probe(new InetSocketAddress(host, mapped), export, Duration.ofSeconds(5));
                return;
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(100); // pause between connection attempts while the JVM in the container starts
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ContainerLaunchException("interrupted while waiting for the NBD server", e);
            }
        }
        throw new ContainerLaunchException("no NBD handshake for export '" + export + "' on " + host + ":" + mapped
                + " within " + startupTimeout + (last == null ? "" : ": " + last.getMessage()));
    }
}
