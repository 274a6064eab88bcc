package io.nbdtk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
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
}
