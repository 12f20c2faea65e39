package dev.finetune4j.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.model.BackwardOptions;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.optim.GradientClipping;
import dev.finetune4j.engine.optim.Optimizer;
import java.util.List;

/**
 * {@code optimizer_in_backward}: one micro-batch per step; each block's parameters (last layer first) are updated as
 * soon as the layer-by-layer backward completes their gradients, which are then freed, so the gradients of the whole
 * model never exist at once (docs/training.md, "Memory"). A block whose gradient is NaN/Inf is not updated and the
 * step reports a non-finite norm (the run then stops; blocks updated before it keep their update).
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close, not referenced
final class StepInBackward implements StepStrategy {

    private final CausalLm model;
    private final Optimizer optimizer;
    private final boolean checkpointing;

    StepInBackward(CausalLm model, Optimizer optimizer, boolean checkpointing) {
        this.model = model;
        this.optimizer = optimizer;
        this.checkpointing = checkpointing;
    }

    @Override
    public Result run(List<Batch> micro, long lossTokens, long dropoutSeed) {
        if (micro.size() != 1) {
            throw new IllegalStateException("optimizer_in_backward needs one micro-batch per step, got "
                    + micro.size());
        }
        Batch b = micro.get(0);
        if (lossTokens == 0 || b.lossTokens() == 0) {
            return new Result(0, 0);
        }
        double[] squares = {0};
        double loss;
        try (NDScope scope = new NDScope()) {
            loss = model.forwardBackward(b, 1.0 / lossTokens, new BackwardOptions(checkpointing, dropoutSeed * 1009),
                    (params, grads) -> {
                        double norm = GradientClipping.norm(grads);
                        squares[0] += norm * norm;
                        if (Double.isFinite(norm)) {
                            optimizer.step(params, grads);
                        }
                        for (NDArray g : grads) {
                            g.close();
                        }
                    });
        }
        return new Result(loss, Math.sqrt(squares[0]));
    }
}
