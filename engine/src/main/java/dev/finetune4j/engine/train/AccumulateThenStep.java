package dev.finetune4j.engine.train;

import ai.djl.ndarray.NDScope;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.model.BackwardOptions;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.TrainableParameter;
import dev.finetune4j.engine.optim.Optimizer;
import java.util.List;

/**
 * The default step: gradients of all micro-batches accumulate into the parameters' {@code .grad} buffers, then
 * global-norm clipping (the norm doubles as the NaN/Inf check), one optimizer step and zeroed gradients.
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close, not referenced
final class AccumulateThenStep implements StepStrategy {

    private final CausalLm model;
    private final Optimizer optimizer;
    private final List<TrainableParameter> params;
    private final double clipVal;
    private final boolean checkpointing;
    private final DataParallel dp;

    AccumulateThenStep(CausalLm model, Optimizer optimizer, List<TrainableParameter> params, double clipVal,
                       boolean checkpointing, DataParallel dp) {
        this.model = model;
        this.optimizer = optimizer;
        this.params = params;
        this.clipVal = clipVal;
        this.checkpointing = checkpointing;
        this.dp = dp;
    }

    @Override
    public Result run(List<Batch> micro, long lossTokens, long dropoutSeed) {
        double lossSum = 0;
        if (lossTokens > 0) {
            for (int i = 0; i < micro.size(); i++) {
                Batch b = micro.get(i);
                if (b.lossTokens() == 0 && dp.worldSize() == 1) {
                    continue; // (in a distributed job every rank runs backward: all need gradients to sum)
                }
                try (NDScope scope = new NDScope()) {
                    lossSum += model.forwardBackward(b, 1.0 / lossTokens,
                            new BackwardOptions(checkpointing, dropoutSeed * 1009 + i), null);
                }
            }
        }
        lossSum = dp.reduceGradients(params, lossSum); // sums gradients and losses across ranks (docs/distributed.md)
        double norm = dp.clipGradients(params, clipVal); // ZeRO-1: over the ranks' gradient shards
        if (Double.isFinite(norm)) {
            optimizer.step();
        }
        optimizer.zeroGrad();
        return new Result(lossSum, norm);
    }
}
