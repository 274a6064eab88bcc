package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.nbdtk.testing.Prerequisites;

/**
 * What the kernel engine negotiates, seen from the device: a 1 MiB direct read is one request
 * (FUSE_MAX_PAGES), one file descriptor's queued direct reads arrive together (FUSE_ASYNC_DIO),
 * and direct writes from several descriptors to one file run at once
 * (FOPEN_PARALLEL_DIRECT_WRITES). libfuse 2 got 8 requests, and one at a time.
 */
class KernelEngineMountTest {
    private static final int CONCURRENT = 4;

    @RegisterExtension final TestMountPoint mountPoint = new TestMountPoint();
    private Path mp;
    private FuseMount mount;

    /**
     * Records request sizes; the first {@link #CONCURRENT} reads (or writes) wait, bounded, until
     * that many are in flight at once. A serialising engine lets them through one by one, each
     * after the wait timed out, which is recorded.
     */
    static final class GatedDevice extends ForwardingDevice {
        final ConcurrentLinkedQueue<Integer> readSizes = new ConcurrentLinkedQueue<>();
        final CountDownLatch readers = new CountDownLatch(CONCURRENT);
        final CountDownLatch writers = new CountDownLatch(CONCURRENT);
        volatile boolean gateReads;
        volatile boolean gateWrites;
        volatile boolean gateTimedOut;

        GatedDevice(BlockDevice d) {
            super(d);
        }

        @Override
        public void read(long o, ByteBuffer b) throws IOException {
            readSizes.add(b.remaining());
            if (gateReads) {
                await(readers);
            }
            super.read(o, b);
        }

        @Override
        public void write(long o, ByteBuffer b) throws IOException {
            if (gateWrites) {
                await(writers);
            }
            super.write(o, b);
        }

        private void await(CountDownLatch latch) throws IOException {
            latch.countDown();
            try {
                if (!latch.await(10, TimeUnit.SECONDS)) {
                    gateTimedOut = true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    @BeforeEach
    void setUp() {
        mp = mountPoint.path();
    }

    private GatedDevice mountDirect() throws IOException {
        GatedDevice dev = new GatedDevice(new MemoryBlockDevice(16 << 20));
        mount = mountPoint.mount(List.of(new ExportFile("disk", dev)),
                MountOptions.defaults().withEngine(FuseEngine.KERNEL).withDirectIo(true));
        return dev;
    }

    @Test
    void aOneMebibyteDirectReadIsOneRequest() throws Exception {
        GatedDevice dev = mountDirect();
        dev.readSizes.clear();
        ExportFileSystemMountTest.run("dd", "if=" + mp.resolve("disk"), "of=/dev/null", "bs=1M", "count=1", "skip=3",
                "iflag=direct", "status=none");
        assertThat(dev.readSizes).containsExactly(1 << 20);
    }

    @Test
    void queuedDirectReadsOfOneDescriptorArriveTogether() throws Exception {
        Path fio = Prerequisites.tool("fio", "fio");
        GatedDevice dev = mountDirect();
        dev.gateReads = true;
        ExportFileSystemMountTest.run(fio.toString(), "--name=qd", "--filename=" + mp.resolve("disk"), "--ioengine=libaio",
                "--direct=1", "--rw=randread", "--bs=4k", "--iodepth=16", "--io_size=256k", "--size=16M");
        assertThat(dev.gateTimedOut).as("reads waited in vain for " + CONCURRENT + " in flight at once").isFalse();
        assertThat(dev.readers.getCount()).isZero();
    }

    @Test
    void directWritesToOneFileRunInParallel() throws Exception {
        Path fio = Prerequisites.tool("fio", "fio");
        GatedDevice dev = mountDirect();
        dev.gateWrites = true;
        ExportFileSystemMountTest.run(fio.toString(), "--name=par", "--filename=" + mp.resolve("disk"), "--ioengine=psync",
                "--direct=1", "--rw=randwrite", "--bs=4k", "--numjobs=" + CONCURRENT, "--io_size=64k", "--size=16M");
        assertThat(dev.gateTimedOut).as("writes waited in vain for " + CONCURRENT + " in flight at once").isFalse();
        assertThat(dev.writers.getCount()).isZero();
    }
}
