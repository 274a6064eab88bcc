package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class ReconnectingDeviceTest {
    /** A "server" that can be taken down: connections made while it is down fail, live ones break. */
    static final class FlakyServer {
        final MemoryBlockDevice disk = new MemoryBlockDevice(8192);
        final AtomicBoolean up = new AtomicBoolean(true);
        final AtomicInteger generation = new AtomicInteger();
        final AtomicInteger connects = new AtomicInteger();

        BlockDevice connect() throws IOException {
            connects.incrementAndGet();
            if (!up.get()) {
                throw new IOException("connection refused");
            }
            int gen = generation.get();
            return new ForwardingDevice(disk) {
                @Override
                protected void check() throws IOException {
                    if (!up.get() || generation.get() != gen) {
                        throw new IOException("connection reset by peer");
                    }
                }
            };
        }

        void restart() {
            up.set(false);
            generation.incrementAndGet();
        }
    }

    @Test
    void serverLossFailsWithEioThenRecoversWhenItIsBack() throws Exception {
        FlakyServer server = new FlakyServer();
        try (ReconnectingDevice dev = new ReconnectingDevice(server::connect, Duration.ofMillis(200), Duration.ofMillis(100))) {
            dev.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            server.restart();

            assertThatThrownBy(() -> dev.read(0, ByteBuffer.allocate(3)))
                    .isInstanceOfSatisfying(DeviceException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
            // while it is down, new requests wait a bounded time and fail with EIO, never hang
            assertThatThrownBy(() -> dev.read(0, ByteBuffer.allocate(3)))
                    .isInstanceOfSatisfying(DeviceException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
            assertThat(dev.isConnected()).isFalse();

            server.up.set(true);
            await().atMost(Duration.ofSeconds(10)).until(dev::isConnected);
            ByteBuffer back = ByteBuffer.allocate(3);
            dev.read(0, back);
            assertThat(back.array()).containsExactly(1, 2, 3);
            assertThat(server.connects.get()).isGreaterThan(2);
        }
    }

    @Test
    void serverErrorsDoNotCountAsConnectionLoss() throws Exception {
        FlakyServer server = new FlakyServer();
        try (ReconnectingDevice dev = new ReconnectingDevice(server::connect, Duration.ofMillis(200), Duration.ofMillis(100))) {
            server.disk.failWith = Errno.ENOSPC;
            assertThatThrownBy(() -> dev.write(0, ByteBuffer.allocate(1)))
                    .isInstanceOfSatisfying(DeviceException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC));
            assertThat(dev.isConnected()).isTrue();
            assertThat(server.connects.get()).isEqualTo(1);
        }
    }

    @Test
    void anExportThatComesBackWithAnotherSizeIsNotReattached() throws Exception {
        AtomicInteger size = new AtomicInteger(8192);
        AtomicBoolean broken = new AtomicBoolean(false);
        ReconnectingDevice.Connector c = () -> new ForwardingDevice(new MemoryBlockDevice(size.get())) {
            @Override
            protected void check() throws IOException {
                if (broken.get()) {
                    throw new IOException("reset");
                }
            }
        };
        try (ReconnectingDevice dev = new ReconnectingDevice(c, Duration.ofMillis(300), Duration.ofMillis(50))) {
            broken.set(true);
            size.set(4096);
            assertThatThrownBy(() -> dev.flush()).isInstanceOf(DeviceException.class);
            broken.set(false);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThatThrownBy(() -> dev.flush()).hasMessageContaining("size changed"));
            assertThat(dev.isConnected()).isFalse();
        }
    }
}
