package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.arch.MoeShape;
import java.util.Arrays;
import java.util.List;

/**
 * The MoE load-balancing loss of one training micro-batch (docs/models.md §8), on when config.json has
 * {@code output_router_logits: true} and {@code router_aux_loss_coef > 0}: HF's {@code load_balancing_loss_func}
 * over all layers' router logits (each of the top-k slots counted, all layers' tokens averaged together), counting
 * every position inside a document (packed documents all count; padding never does: HF's attention-mask
 * branch).
 *
 * <p>Weighting: the micro-batch's loss sum gets {@code coef · aux · lossTokens}, so after the division by the global
 * batch's loss-token count (docs/training.md §7) a single micro-batch trains on HF's
 * {@code CE mean + coef · aux}, and under accumulation each micro-batch's aux is weighted by its share of the loss
 * tokens, like its cross-entropy. A micro-batch without loss tokens adds nothing. Evaluation and scoring report
 * the cross-entropy alone.
 *
 * <p>The loss is {@code E · Σ_e F_e · P_e} with the pick frequencies {@code F} constant (HF's {@code one_hot} has no
 * gradient), so it is a sum of per-layer parts linear in each layer's router probabilities; the layer-by-layer
 * backward ({@link LayerwiseBackward}) computes {@code F} after the forward pass and backpropagates each layer's part
 * with that layer, also when the layer is recomputed under activation checkpointing.
 */
final class RouterAuxLoss {

    private final KernelLibrary k;
    private final MoeShape shape;
    private final NDArray mask;
    private final double weight;
    private final int layers;
    private NDArray freq;

    private RouterAuxLoss(KernelLibrary k, MoeShape shape, NDArray mask, double weight, int layers) {
        this.k = k;
        this.shape = shape;
        this.mask = mask;
        this.weight = weight;
        this.layers = layers;
    }

    /** Whether training {@code config}'s model adds the loss. */
    static boolean applies(ModelConfig config) {
        MoeShape s = config.family().moe();
        return s != null && s.outputRouterLogits() && s.routerAuxLossCoef() > 0;
    }

    /**
     * The loss of a training pass over {@code layout}, weighted {@code coef · lossTokens}; null when the model does
     * not add one.
     */
    static RouterAuxLoss of(Decoder d, AttentionLayout layout, int rows, int seq, long lossTokens) {
        if (!applies(d.config)) {
            return null;
        }
        long[] ids = layout.documentIds();
        long[] counts = new long[rows * seq];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = ids[i] < seq ? 1 : 0;                 // padding positions have ids >= seq
        }
        NDManager m = d.manager;
        NDArray mask = m.create(counts, new Shape(counts.length));
        MoeShape s = d.config.family().moe();
        return new RouterAuxLoss(d.kernels, s, mask, s.routerAuxLossCoef() * lossTokens, d.config.numHiddenLayers());
    }

    /** {@code coef · lossTokens · aux} over the pass's recorded router logits, differentiable. */
    NDArray term(NDArray[] routerLogits) {
        return k.moeAuxLoss(Arrays.asList(routerLogits), mask, shape.numExpertsPerTok()).mul(weight);
    }

    /**
     * Fixes the pick frequencies from the forward pass's router logits (no gradient) and returns the weighted loss
     * value {@code coef · lossTokens · aux}.
     */
    double settle(NDArray[] routerLogits) {
        List<NDArray> logits = Arrays.asList(routerLogits);
        freq = k.moeAuxFrequencies(logits, mask, shape.numExpertsPerTok());
        double aux = 0;
        for (NDArray l : logits) {
            aux += k.moeAuxPart(l, mask, freq, layers).toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                    .getDouble();
        }
        return weight * aux;
    }

    /** Layer {@code layer}'s part of {@link #settle}'s loss, differentiable, unweighted. */
    NDArray part(NDArray routerLogits) {
        return k.moeAuxPart(routerLogits, mask, freq, layers);
    }

    /** The weight of each part's gradient: {@code coef · lossTokens} times the backward's loss scale. */
    double gradientWeight(double scale) {
        return weight * scale;
    }
}
