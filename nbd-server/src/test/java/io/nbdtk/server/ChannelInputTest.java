package io.nbdtk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ChannelInputTest {
    /** Delivers one message, then fails every read, like a socket closed under a blocked reader. */
    private static final class OneMessageThenFailure implements ReadableByteChannel {
        private boolean delivered;

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (delivered) {
                throw new IOException("socket closed");
            }
            delivered = true;
            for (int i = 0; i < 28; i++) {
                dst.put((byte) (i + 1));
            }
            return 28;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    @Test
    void after_a_failed_read_no_reader_gets_stale_bytes_as_a_new_message() throws IOException {
        ChannelInput in = new ChannelInput(new OneMessageThenFailure(), 4096);
        assertThat(in.next(28).get(0)).isEqualTo((byte) 1);

        assertThatThrownBy(() -> in.next(28)).isInstanceOf(IOException.class).hasMessage("socket closed");
        // the next serving thread to take its turn must see the end, not the previous header again
        assertThatThrownBy(() -> in.next(28)).isInstanceOf(EOFException.class).hasMessageContaining("socket closed");
        assertThatThrownBy(() -> in.readFully(ByteBuffer.allocate(8))).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> in.skip(8)).isInstanceOf(EOFException.class);
    }

    @Test
    void a_scattered_payload_takes_buffered_bytes_first_then_the_channel() throws IOException {
        Pipe pipe = Pipe.open();
        try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
            byte[] wire = new byte[10_000];
            for (int i = 0; i < wire.length; i++) {
                wire[i] = (byte) (i * 31 + 7);
            }
            sink.write(ByteBuffer.wrap(wire));
            // a small buffer: the header and part of the payload arrive buffered, the rest is read direct
            ChannelInput in = new ChannelInput(source, 64);
            assertThat(in.next(28).get(0)).isEqualTo(wire[0]);
            ByteBuffer[] dsts = {ByteBuffer.allocateDirect(10), ByteBuffer.allocate(5000), ByteBuffer.allocateDirect(4962)};
            in.readFully(dsts, 3);

            ByteBuffer got = ByteBuffer.allocate(wire.length - 28);
            for (ByteBuffer d : dsts) {
                assertThat(d.hasRemaining()).isFalse();
                got.put(d.flip());
            }
            assertThat(got.array()).isEqualTo(Arrays.copyOfRange(wire, 28, wire.length));
        }
    }

    @Test
    void a_payload_cut_short_is_an_end_of_stream_and_stays_one() throws IOException {
        byte[] wire = new byte[100];
        ChannelInput in = new ChannelInput(Channels.newChannel(new ByteArrayInputStream(wire)), 32);
        ByteBuffer[] dsts = {ByteBuffer.allocate(60), ByteBuffer.allocate(60)};
        assertThatThrownBy(() -> in.readFully(dsts, 2)).isInstanceOf(EOFException.class);
        assertThat(dsts[0].hasRemaining()).isFalse();
        assertThat(dsts[1].position()).isEqualTo(40);
        assertThatThrownBy(() -> in.next(28)).isInstanceOf(EOFException.class);
    }

    @Test
    void only_the_first_count_buffers_are_filled() throws IOException {
        Pipe pipe = Pipe.open();
        try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
            sink.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6}));
            ChannelInput in = new ChannelInput(source, 4096);
            ByteBuffer[] dsts = {ByteBuffer.allocate(2), ByteBuffer.allocate(2), ByteBuffer.allocate(2)};
            in.readFully(dsts, 2);
            assertThat(dsts[2].position()).isZero();
            assertThat(in.next(2).get(0)).isEqualTo((byte) 5);
        }
    }
}
