package dev.finetune4j.engine.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.kernel.KernelLibrary.ChunkedBackward;
import java.util.ArrayList;
import java.util.List;

/**
 * Forward and backward of one micro-batch, one block at a time (docs/training.md, "Memory"). The residual stream is
 * cut at every decoder layer boundary (the next layer reads a detached copy that requires a gradient), so the
 * backward runs block by block, last first: LM head and loss (chunked, {@link LossChunking}), then each layer, then
 * the embedding. Each layer runs in a scope of its own, so nothing but what autograd saved outlives it.
 *
 * <p>With activation checkpointing the forward pass runs the layers without autograd and keeps only their inputs;
 * the backward recomputes layer {@code i} from its input with autograd, backpropagates the upstream gradient through
 * it and drops its graph before moving to layer {@code i-1}. Dropout masks are drawn from a generator re-seeded with
 * {@code (dropoutSeed, layer)} before each layer's forward, so the recomputation sees the same masks.
 *
 * <p>Without a {@link GradientSink}, gradients accumulate into the parameters' {@code .grad} buffers (the caller
 * zeroes them); with one, each block's gradients are computed with {@code torch.autograd.grad} and handed over as
 * soon as the block is done, and no {@code .grad} buffer is ever created.
 */
@SuppressWarnings("try") // NDScope blocks are used for what they free on close, not referenced
final class LayerwiseBackward {

    private final Decoder d;
    private final KernelLibrary k;
    private final ParameterBlocks blocks;
    private final boolean headTrainable;
    private final BackwardOptions options;
    private final GradientSink sink;
    private final double scale;
    private final long lossTokens;
    private Decoder.Pass pass;
    /** ---- mixtral: the load-balancing loss of this pass (null without one) ---- */
    private RouterAuxLoss aux;
    private boolean reseed;

    LayerwiseBackward(Decoder d, ParameterBlocks blocks, boolean headTrainable, BackwardOptions options,
                      GradientSink sink, double scale, long lossTokens) {
        this.d = d;
        this.k = d.kernels;
        this.blocks = blocks;
        this.headTrainable = headTrainable;
        this.options = options;
        this.sink = sink;
        this.scale = scale;
        this.lossTokens = lossTokens;
    }

    /** Runs forward and backward; returns the micro-batch's loss sum (not scaled). */
    double run(NDArray ids, NDArray labels, int[] positions, AttentionLayout layout, int rows, int seq) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try {
            return runWithGrad(ids, labels, positions, layout, rows, seq);
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    private double runWithGrad(NDArray ids, NDArray labels, int[] positions, AttentionLayout layout, int rows,
                               int seq) {
        pass = d.pass(positions, layout, rows, seq, true, null);
        aux = pass.routerLogits == null ? null : RouterAuxLoss.of(d, layout, rows, seq, lossTokens);
        reseed = d.usesDropout(true);
        int n = d.layers.size();
        seed(-1);
        NDArray embedded = d.embed(pass, ids);
        NDArray[] inputs = new NDArray[n + 1];
        NDArray[] outputs = new NDArray[n];
        inputs[0] = leaf(embedded);
        for (int i = 0; i < n; i++) {
            NDArray out;
            if (options.activationCheckpointing()) {
                JniUtils.setGradMode(false);
                try {
                    out = layerInScope(i, inputs[i]);
                } finally {
                    JniUtils.setGradMode(true);
                }
                out.setRequiresGradient(true);
                inputs[i + 1] = out;
            } else {
                outputs[i] = layerInScope(i, inputs[i]);
                inputs[i + 1] = leaf(outputs[i]);
            }
        }
        double auxLoss = aux == null ? 0 : aux.settle(pass.routerLogits);
        double loss;
        NDArray upstream;
        NDArray tiedHeadGrad = null;
        try (NDScope scope = new NDScope()) {
            NDArray normed = d.finalNorm(inputs[n]);
            NDArray[] ce = k.crossEntropyChunks(normed, d.lmHead.weight, labels,
                    LossChunking.tokensPerChunk(d.config.vocabSize()), scale, d.bf16,
                    sink == null ? ChunkedBackward.ACCUMULATE : ChunkedBackward.RETURN, sink != null && headTrainable,
                    d.config.family().finalLogitSoftcapping());
            loss = ce[0].toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble() + auxLoss;
            List<NDArray> extra = new ArrayList<>();
            if (sink != null && headTrainable) {
                if (d.config.tieWordEmbeddings()) {
                    tiedHeadGrad = ce[2];          // completed by the embedding block
                    NDScope.unregister(tiedHeadGrad);
                } else {
                    extra.add(ce[2]);              // lm_head.weight is the head block's last parameter
                }
            }
            upstream = backprop(List.of(normed), List.of(ce[1]), inputs[n], blocks.head(), extra, null);
            NDScope.unregister(upstream);
        }
        NDScope.register(upstream);
        inputs[n].close();
        for (int i = n - 1; i >= 0; i--) {
            NDArray g;
            try (NDScope scope = new NDScope()) {
                NDArray out = outputs[i];
                if (options.activationCheckpointing()) {
                    seed(i);
                    out = d.layer(pass, i, inputs[i]);
                }
                List<NDArray> outs = new ArrayList<>(List.of(out));
                List<NDArray> grads = new ArrayList<>(List.of(upstream));
                if (aux != null) {
                    // this layer's part of the load-balancing loss, from the same router logits (recomputed with
                    // the layer under activation checkpointing)
                    NDArray part = aux.part(pass.routerLogits[i]);
                    outs.add(part);
                    grads.add(part.onesLike().mul(aux.gradientWeight(scale)));
                }
                g = backprop(outs, grads, inputs[i], blocks.layers().get(i), List.of(), null);
                NDScope.unregister(g);
            }
            if (aux != null && !options.activationCheckpointing()) {
                pass.routerLogits[i].close();      // it held the layer's graph
            }
            NDScope.register(g);
            upstream.close();
            if (outputs[i] != null) {
                outputs[i].close();
            }
            if (i > 0) {
                inputs[i].close();
            }
            upstream = g;
        }
        if (tiedHeadGrad != null) {
            NDScope.register(tiedHeadGrad);
        }
        backprop(List.of(embedded), List.of(upstream), null, blocks.embedding(), List.of(), tiedHeadGrad);
        return loss;
    }

    /** Layer {@code i} in a scope of its own: only its output (and what autograd saved) survives. */
    private NDArray layerInScope(int i, NDArray input) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            seed(i);
            out = d.layer(pass, i, input);
            NDScope.unregister(out);
            if (aux != null) {
                NDScope.unregister(pass.routerLogits[i]);
            }
        }
        NDScope.register(out);
        if (aux != null) {
            NDScope.register(pass.routerLogits[i]);
        }
        return out;
    }

    /** A copy of {@code x} cut from its graph that collects the gradient of what is computed from it. */
    private static NDArray leaf(NDArray x) {
        NDArray cut = x.stopGradient();
        cut.setRequiresGradient(true);
        return cut;
    }

    private void seed(int layer) {
        if (reseed) {
            long s = options.dropoutSeed() * 1_000_003L + layer + 1;
            Engine.getEngine("PyTorch").setRandomSeed((int) (s ^ (s >>> 32)));
        }
    }

    /**
     * Backpropagates {@code grads} from {@code outs} to {@code input} (may be null) and {@code params}; returns the
     * gradient of {@code input} (null without one). {@code extra} holds the gradients of the last parameters of
     * {@code params} that are not part of the outputs' graph (an untied LM head, from the chunked loss);
     * {@code addToLast} is a further contribution to the last parameter's gradient (a tied LM head's).
     */
    private NDArray backprop(List<NDArray> outs, List<NDArray> grad, NDArray input, List<TrainableParameter> params,
                             List<NDArray> extra, NDArray addToLast) {
        int known = extra.size();
        List<TrainableParameter> viaGraph = params.subList(0, params.size() - known);
        if (sink == null) {
            if (input == null && viaGraph.isEmpty()) {
                return null;
            }
            k.backward(outs, grad);
            return input == null ? null : input.getGradient();
        }
        List<NDArray> wrt = new ArrayList<>();
        if (input != null) {
            wrt.add(input);
        }
        viaGraph.forEach(p -> wrt.add(p.array()));
        NDArray[] grads = wrt.isEmpty() ? new NDArray[0] : k.gradients(outs, wrt, grad);
        int first = input == null ? 0 : 1;
        List<NDArray> paramGrads = new ArrayList<>();
        for (int j = first; j < grads.length; j++) {
            paramGrads.add(grads[j]);
        }
        paramGrads.addAll(extra);
        if (addToLast != null) {
            int last = paramGrads.size() - 1;
            paramGrads.set(last, k.residualAdd(paramGrads.get(last), addToLast, 0.0, false));
        }
        if (!params.isEmpty()) {
            sink.accept(params, paramGrads);
        }
        return input == null ? null : grads[0];
    }
}
