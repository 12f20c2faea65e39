package dev.finetune4j.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.kernel.ScalarType;
import dev.finetune4j.engine.model.TrainableParameter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * bf16 master weights: 1,000 steps of lr 1e-4 on parameters at 1.0 (bf16's spacing there is 2^-8 ≈ 0.0039, so each
 * step is ~40× below half a unit) move the parameters by ~0.1 in expectation with stochastic rounding, where plain
 * bf16 rounding leaves them at exactly 1.0.
 */
@SuppressWarnings("try")
class Bf16MasterUpdateTest {

    private static final int N = 4096;
    private static final int STEPS = 1000;
    private static final double LR = 1e-4;

    private static double mean(KernelLibrary k, NDArray bf16) {
        try (NDScope scope = new NDScope()) {
            float[] v = k.floatCopy(bf16).toFloatArray();
            double s = 0;
            for (float f : v) {
                s += f;
            }
            return s / v.length;
        }
    }

    private static double run(boolean adamw, boolean plainRounding) {
        KernelLibrary k = KernelLibrary.on(Device.cpu());
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray p = k.cast(m.ones(new Shape(N)), ScalarType.BFLOAT16);
            NDArray g = k.cast(m.ones(new Shape(N)), ScalarType.BFLOAT16);
            NDScope.unregister(p, g);
            assertEquals(ScalarType.BFLOAT16, k.scalarType(p));
            TrainableParameter tp = new TrainableParameter("w", p, TrainableParameter.Group.BASE);
            List<ParameterGroup> groups = ParameterGroups.single(List.of(tp), LR, 0.0);
            try (Optimizer o = adamw ? new DecoupledAdamW(groups, 0.9, 0.95, 1e-8)
                    : new DecoupledLionW(groups, 0.9, 0.99)) {
                for (int i = 0; i < STEPS; i++) {
                    try (NDScope scope = new NDScope()) {
                        if (plainRounding) {
                            NDArray s = k.zerosLike(p);
                            k.lionStep(List.of(p), List.of(g), List.of(s), LR, 1.0, 0.9, 0.99);
                        } else {
                            o.step(List.of(tp), List.of(g));
                        }
                    }
                }
                // state is exported as float32 (Composer layout unchanged)
                if (!plainRounding) {
                    String slot = adamw ? "exp_avg_sq" : "exp_avg";
                    assertEquals(dev.finetune4j.checkpoint.DType.FLOAT32, o.state().get("w").get(slot).dtype());
                }
            }
            return mean(k, p);
        }
    }

    @Test
    void plainBf16RoundingStalls() {
        assertEquals(1.0, run(false, true), 0.0);
    }

    @Test
    void lionWithStochasticRoundingMovesByTheSumOfTheUpdates() {
        double mean = run(false, false);
        assertEquals(1.0 - STEPS * LR, mean, 0.01, "mean after " + STEPS + " steps");
    }

    @Test
    void adamwWithStochasticRoundingMovesByTheSumOfTheUpdates() {
        double mean = run(true, false);
        assertTrue(Math.abs(mean - (1.0 - STEPS * LR)) < 0.01, "mean after " + STEPS + " steps: " + mean);
    }
}
