package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.arch.NormStyle;

/** An RMSNorm in the family's {@link NormStyle} over the weight in {@code weight}. */
final class Norm {

    final Slot weight;
    private final NormStyle style;
    private final double eps;

    Norm(Slot weight, NormStyle style, double eps) {
        this.weight = weight;
        this.style = style;
        this.eps = eps;
    }

    NDArray forward(KernelLibrary k, NDArray x) {
        return switch (style) {
            case RMS -> k.rmsNorm(x, weight.get(), eps);
            // ---- gemma2: RMS_ONE_PLUS (x * (1 + w) in fp32) ----
            case RMS_ONE_PLUS -> k.rmsNormOnePlus(x, weight.get(), eps);
        };
    }
}
