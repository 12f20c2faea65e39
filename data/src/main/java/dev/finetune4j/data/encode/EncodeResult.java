package dev.finetune4j.data.encode;

import dev.finetune4j.data.source.TextChunk;

/**
 * What encoding one sample gave: an example, the token ids of a text piece (continued pretraining), a reason the
 * sample is invalid, or a reason it is dropped (valid, but nothing trainable).
 */
public record EncodeResult(EncodedExample example, int[] chunkIds, TextChunk chunk, String invalid, String dropped) {

    /** An encoded example. */
    public static EncodeResult of(EncodedExample e) {
        return new EncodeResult(e, null, null, null, null);
    }

    /** The ids of a text piece. */
    public static EncodeResult ofChunk(TextChunk chunk, int[] ids) {
        return new EncodeResult(null, ids, chunk, null, null);
    }

    /** The sample is invalid. */
    public static EncodeResult invalid(String reason) {
        return new EncodeResult(null, null, null, reason, null);
    }

    /** The sample is dropped. */
    public static EncodeResult dropped(String reason) {
        return new EncodeResult(null, null, null, null, reason);
    }
}
