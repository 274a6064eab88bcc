package io.nbdtk.protocol;

/**
 * Upper bounds a decoder enforces on lengths declared by the peer, checked before anything of that
 * size is allocated or read.
 *
 * @param maxOptionLength largest option request or option reply payload (bytes)
 * @param maxStringLength largest string (export name, message, context name); the spec's cap is 4096
 * @param maxPayload largest data payload of a request or structured reply chunk (bytes)
 */
public record Limits(int maxOptionLength, int maxStringLength, long maxPayload) {
    /** Spec hard limit for any string. */
    public static final int SPEC_MAX_STRING = 4096;
    /** The largest fixed part of any chunk payload (ERROR_OFFSET: error, length, offset). */
    public static final int CHUNK_OVERHEAD = 16;

    /** 64 KiB options, 4096-byte strings, 64 MiB payloads. */
    public static final Limits DEFAULT = new Limits(64 * 1024, SPEC_MAX_STRING, 64L * 1024 * 1024);

    public Limits {
        if (maxOptionLength < 0) {
            throw new IllegalArgumentException("maxOptionLength must be >= 0: " + maxOptionLength);
        }
        if (maxStringLength < 0 || maxStringLength > SPEC_MAX_STRING) {
            throw new IllegalArgumentException("maxStringLength must be 0.." + SPEC_MAX_STRING + ": "
                    + maxStringLength);
        }
        if (maxPayload < 0) {
            throw new IllegalArgumentException("maxPayload must be >= 0: " + maxPayload);
        }
    }

    public Limits withMaxPayload(long bytes) {
        return new Limits(maxOptionLength, maxStringLength, bytes);
    }

    public Limits withMaxOptionLength(int bytes) {
        return new Limits(bytes, maxStringLength, maxPayload);
    }

    /** Largest acceptable structured chunk payload: the data limit plus fixed chunk overhead. */
    public long maxChunkLength() {
        return maxPayload + CHUNK_OVERHEAD;
    }
}
