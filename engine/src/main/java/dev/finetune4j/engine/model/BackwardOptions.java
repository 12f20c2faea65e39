package dev.finetune4j.engine.model;

/**
 * How {@link CausalLm#forwardBackward} runs a micro-batch (docs/training.md, "Memory").
 *
 * @param activationCheckpointing keep only each decoder layer's input in the forward pass and recompute the layer
 *                                during backward
 * @param dropoutSeed             seeds the dropout masks: each layer draws from {@code (dropoutSeed, layer)}, so a
 *                                recomputed layer sees the same masks as its first forward
 */
public record BackwardOptions(boolean activationCheckpointing, long dropoutSeed) {
}
