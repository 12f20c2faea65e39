package dev.finetune4j.engine.model;

/**
 * How one layer's attention computes (from {@link ModelConfig} and the family's spec).
 *
 * @param heads    query heads
 * @param kvHeads  key/value heads (GQA)
 * @param headDim  per-head width
 * @param scale    score scale ({@link ModelConfig#attentionScale()})
 * @param softcap  scores become {@code softcap·tanh(s/softcap)}; 0 = none (Gemma 2)
 * @param window   sliding window of this layer, 0 = full attention
 * @param fusedQkv one {@code qkv_proj} whose rows are {@code [q | k | v]} (Phi-3)
 */
record AttentionOptions(int heads, int kvHeads, int headDim, double scale, double softcap, int window,
                        boolean fusedQkv) {

    static AttentionOptions of(ModelConfig c, int layer) {
        return new AttentionOptions(c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.attentionScale(),
                c.family().attnLogitSoftcapping(), c.slidingWindowFor(layer), c.spec().fusedQkv());
    }

    int kvGroups() {
        return heads / kvHeads;
    }
}
