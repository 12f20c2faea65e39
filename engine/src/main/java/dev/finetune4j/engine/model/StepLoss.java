package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * The loss of one micro-batch: {@code sum} is the fp32 0-d sum of token cross-entropies over trained labels (still
 * attached to the autograd graph when computed under a GradientCollector), {@code tokens} the number of those labels.
 * Divide by the global batch's loss-token count before backward for an exact token mean.
 */
public record StepLoss(NDArray sum, long tokens) {

    /** The mean loss of this micro-batch as a Java double (NaN when no label is trained); synchronises. */
    public double mean() {
        return tokens == 0 ? Double.NaN : sum.getFloat() / tokens;
    }
}
