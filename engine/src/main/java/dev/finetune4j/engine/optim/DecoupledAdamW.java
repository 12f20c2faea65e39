package dev.finetune4j.engine.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Composer's DecoupledAdamW: decay first, {@code p *= 1 - (lr/initial_lr)·wd} (not scaled by lr), then Adam with bias
 * correction: {@code p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps)}. State per parameter: {@code step}
 * (0-d float32), {@code exp_avg}, {@code exp_avg_sq}. Composer's defaults: betas (0.9, 0.95), eps 1e-8.
 */
public final class DecoupledAdamW extends FusedOptimizer {

    private final double beta1;
    private final double beta2;
    private final double eps;

    public DecoupledAdamW(List<ParameterGroup> groups, double beta1, double beta2, double eps) {
        super(groups);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new OptimizerException("DecoupledAdamW betas must lie in [0, 1), got [" + beta1 + ", " + beta2 + "]");
        }
        if (!(eps >= 0)) {
            throw new OptimizerException("DecoupledAdamW eps must be >= 0, got " + eps);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override
    public String composerName() {
        return "DecoupledAdamW";
    }

    /** {@code betas}, {@code eps} and torch's {@code amsgrad: False}. */
    @Override
    public Map<String, Object> groupDefaults() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("betas", List.of(beta1, beta2));
        m.put("eps", eps);
        m.put("amsgrad", false);
        return m;
    }

    @Override
    List<String> slotNames() {
        return List.of("step", "exp_avg", "exp_avg_sq");
    }

    @Override
    Shape slotShape(int slot, Shape paramShape) {
        return slot == 0 ? new Shape() : paramShape;
    }

    @Override
    void update(ParameterGroup g, List<NDArray> params, List<NDArray> grads, List<List<NDArray>> slots) {
        kernels.adamwStep(params, grads, slots.get(1), slots.get(2), slots.get(0), g.lr(), g.decayFactor(), beta1,
                beta2, eps);
    }
}
