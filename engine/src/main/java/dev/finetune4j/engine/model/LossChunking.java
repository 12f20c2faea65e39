package dev.finetune4j.engine.model;

/**
 * How many tokens the LM head and cross-entropy process at once: one chunk's fp32 logits take about
 * {@value #CHUNK_LOGITS_BYTES} bytes whatever the vocabulary, so the loss never holds {@code tokens × vocab} logits
 * (docs/training.md, "Memory").
 */
public final class LossChunking {

    /** Target size of one chunk's fp32 logits (its gradient and softmax come on top, same size). */
    public static final long CHUNK_LOGITS_BYTES = 64L << 20;

    /** The chunk size in bytes actually used; tests lower it to force many chunks on tiny vocabularies. */
    static volatile long chunkLogitsBytes = CHUNK_LOGITS_BYTES;

    private LossChunking() {
    }

    /** Tokens per chunk for a vocabulary of {@code vocab} (at least 1). */
    public static int tokensPerChunk(int vocab) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, chunkLogitsBytes / (4L * vocab)));
    }
}
