package dev.finetune4j.engine.train;

import dev.finetune4j.data.Batch;
import java.util.List;

/**
 * How one optimizer step turns its micro-batches into updated parameters (docs/training.md, "Memory"): the
 * {@link Trainer} sets the learning rates, then hands the micro-batches over.
 */
interface StepStrategy {

    /**
     * Runs forward and backward over {@code micro} (the loss sum of each divided by {@code lossTokens}, the global
     * batch's trained-label count) and applies the optimizer update.
     *
     * @param dropoutSeed seeds the dropout masks of this step (micro-batch {@code i} uses a seed derived from it)
     */
    Result run(List<Batch> micro, long lossTokens, long dropoutSeed);

    /** The step's loss sum over all micro-batches and its gradient norm (NaN/Inf: the step was not applied). */
    record Result(double lossSum, double gradNorm) {
    }
}
