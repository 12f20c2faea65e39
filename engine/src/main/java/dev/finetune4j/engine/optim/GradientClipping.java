package dev.finetune4j.engine.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.TrainableParameter;
import java.util.ArrayList;
import java.util.List;

/**
 * Global-norm gradient clipping with {@code torch.nn.utils.clip_grad_norm_} semantics: the L2 norm over all gradients
 * together; gradients scaled by {@code min(1, maxNorm/(norm + 1e-6))}. The returned norm (before clipping) doubles as
 * the NaN/Inf detector: a non-finite norm means the step must be skipped.
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close, not referenced
public final class GradientClipping {

    private GradientClipping() {
    }

    /** Clips in place and returns the total norm before clipping (0 when no parameter has a gradient). */
    public static double clipGlobalNorm(List<TrainableParameter> params, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new OptimizerException("gradient_clip_val must be > 0, got " + maxNorm);
        }
        try (NDScope scope = new NDScope()) {
            List<NDArray> grads = grads(params);
            if (grads.isEmpty()) {
                return 0.0;
            }
            return KernelLibrary.of(grads.get(0)).clipGradNorm(grads, maxNorm).toType(ai.djl.ndarray.types.DataType
                    .FLOAT64, false).getDouble();
        }
    }

    /** The global L2 norm of all gradients, without changing them. */
    public static double globalNorm(List<TrainableParameter> params) {
        try (NDScope scope = new NDScope()) {
            List<NDArray> grads = grads(params);
            if (grads.isEmpty()) {
                return 0.0;
            }
            return KernelLibrary.of(grads.get(0)).gradNorm(grads).toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                    .getDouble();
        }
    }

    /** The L2 norm of the given gradients together. */
    public static double norm(List<NDArray> grads) {
        if (grads.isEmpty()) {
            return 0.0;
        }
        try (NDScope scope = new NDScope()) {
            return KernelLibrary.of(grads.get(0)).gradNorm(grads).toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                    .getDouble();
        }
    }

    private static List<NDArray> grads(List<TrainableParameter> params) {
        List<NDArray> out = new ArrayList<>();
        for (TrainableParameter p : params) {
            NDArray g = p.array().getGradient();
            if (g != null) {
                out.add(g);
            }
        }
        return out;
    }
}
