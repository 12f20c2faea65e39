package dev.finetune4j.engine.optim;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * llm-foundry's DecoupledLionW (docs/training.md §3.1): decay first, {@code p *= 1 - (lr/initial_lr)·wd};
 * {@code p -= lr·sign(β1·m + (1-β1)·g)}; {@code m = β2·m + (1-β2)·g}. State: {@code exp_avg} only.
 */
public final class DecoupledLionW extends FusedOptimizer {

    private final double beta1;
    private final double beta2;

    public DecoupledLionW(List<ParameterGroup> groups, double beta1, double beta2) {
        super(groups);
        if (!(beta1 >= 0 && beta1 <= 1) || !(beta2 >= 0 && beta2 <= 1)) {
            throw new OptimizerException("DecoupledLionW betas must lie in [0, 1], got [" + beta1 + ", " + beta2 + "]");
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
    }

    @Override
    public String composerName() {
        return "DecoupledLionW";
    }

    /** {@code betas}: Lion has no eps. */
    @Override
    public Map<String, Object> groupDefaults() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("betas", List.of(beta1, beta2));
        return m;
    }

    @Override
    List<String> slotNames() {
        return List.of("exp_avg");
    }

    @Override
    void update(ParameterGroup g, List<NDArray> params, List<NDArray> grads, List<List<NDArray>> slots) {
        kernels.lionStep(params, grads, slots.get(0), g.lr(), g.decayFactor(), beta1, beta2);
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }
}
