package dev.finetune4j.config;

/**
 * The memory-saving keys (README "Run configuration", docs/training.md "Memory").
 *
 * @param activationCheckpointing {@code activation_checkpointing}: recompute each decoder layer in backward, default
 *                                false
 * @param masterWeights           {@code master_weights}: {@code fp32} (default) or {@code bf16} parameters and
 *                                optimizer state
 * @param optimizerInBackward     {@code optimizer_in_backward}: step each layer as soon as its gradients are
 *                                complete, default false
 */
public record MemoryConfig(boolean activationCheckpointing, String masterWeights, boolean optimizerInBackward) {

    /** All off: fp32 masters, plain backward. */
    public static final MemoryConfig DEFAULT = new MemoryConfig(false, "fp32", false);

    public boolean bf16Masters() {
        return "bf16".equals(masterWeights);
    }
}
