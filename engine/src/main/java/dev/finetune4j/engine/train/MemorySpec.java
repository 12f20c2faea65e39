package dev.finetune4j.engine.train;

/**
 * How a run trades compute for memory (docs/training.md, "Memory").
 *
 * @param activationCheckpointing keep only each decoder layer's input and recompute the layer during backward
 * @param optimizerInBackward     step each layer's parameters as soon as its gradients are complete and free them
 *                                (needs one micro-batch per optimizer step and no global-norm clipping)
 */
public record MemorySpec(boolean activationCheckpointing, boolean optimizerInBackward) {

    /** Everything kept: plain backward, gradients accumulated, one optimizer step after them. */
    public static final MemorySpec DEFAULT = new MemorySpec(false, false);
}
