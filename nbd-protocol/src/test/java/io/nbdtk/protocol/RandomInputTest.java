package io.nbdtk.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every decoder, fed random bytes (fixed seed, so failures reproduce), either decodes or throws
 * {@link ProtocolException}: never an underflow, an illegal argument or a huge allocation.
 */
class RandomInputTest {
    private interface Decoder {
        void decode(ByteBuffer in) throws ProtocolException;
    }

    @Test
    void decodersOnlyEverThrowProtocolException() {
        Limits limits = Limits.DEFAULT;
        List<Decoder> decoders = new ArrayList<>();
        decoders.add(Greeting::decode);
        decoders.add(ClientFlags::decode);
        decoders.add(in -> OptionHeader.decode(in, limits));
        decoders.add(in -> OptionReplyHeader.decode(in, limits));
        decoders.add(in -> InfoRequest.decode(in, limits));
        decoders.add(in -> MetaContextRequest.decode(in, limits));
        decoders.add(in -> ServerEntry.decode(in, limits));
        decoders.add(in -> MetaContextEntry.decode(in, limits));
        decoders.add(in -> Info.decode(in, limits));
        decoders.add(in -> StringPayload.decode(in, limits, "string"));
        decoders.add(in -> ExportNameReply.decode(in, false));
        decoders.add(in -> RequestHeader.decode(in, false));
        decoders.add(in -> RequestHeader.decode(in, true));
        decoders.add(SimpleReplyHeader::decode);
        decoders.add(in -> ChunkHeader.decode(in, false, limits));
        decoders.add(in -> ChunkHeader.decodeAfterMagic(in, true, limits));
        decoders.add(OffsetData::decode);
        decoders.add(in -> BlockStatusPayload.decode(in, in.remaining(), limits));
        // chunk payload decoders with a header whose length matches the buffer
        decoders.add(in -> OffsetHole.decode(new ChunkHeader(0, 2, 1, 0, in.remaining()), in));
        decoders.add(in -> BlockStatusChunk.decode(new ChunkHeader(0, 5, 1, 0, in.remaining()), in));
        decoders.add(in -> BlockStatusChunk.decode(new ChunkHeader(0, 6, 1, 0, in.remaining()), in));
        decoders.add(in -> ErrorChunk.decode(new ChunkHeader(0, 0x8001, 1, 0, in.remaining()), in, limits));
        decoders.add(in -> ErrorChunk.decode(new ChunkHeader(0, 0x8002, 1, 0, in.remaining()), in, limits));
        decoders.add(in -> ErrorChunk.decode(new ChunkHeader(0, 0x8003, 1, 0, in.remaining()), in, limits));

        Random random = new Random(20261201);
        int decoded = 0;
        for (int round = 0; round < 1500; round++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (bytes.length >= 4 && random.nextBoolean()) {
                // small lengths make it past the first checks more often
                ByteBuffer.wrap(bytes).putInt(0, random.nextInt(40));
            }
            for (Decoder d : decoders) {
                try {
                    d.decode(ByteBuffer.wrap(bytes));
                    decoded++;
                } catch (ProtocolException expected) {
                    // the only acceptable failure
                }
            }
        }
        assertThat(decoded).isPositive();
    }
}
