package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.arch.ParamRole;
import dev.finetune4j.engine.model.arch.ParameterEntry;
import dev.finetune4j.engine.model.arch.ParameterRegistry;
import dev.finetune4j.engine.model.arch.Part;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The module tree of a decoder (embedding, {@link DecoderLayer}s, final norm, LM head) built from the model's
 * {@link ParameterRegistry}, and its forward pass (docs/training.md §12.2). Every registry entry is bound to where
 * its value lives ({@link #bound}); parameters are loaded and owned by {@link CausalLm}; this class only computes.
 */
final class Decoder {

    final ModelConfig config;
    final ParameterRegistry registry;
    final NDManager manager;
    final KernelLibrary kernels;
    final BlockContext ctx;
    final Rope rope;
    final DropoutOptions dropout;
    final boolean bf16;
    final DataType paramType;
    final NDArray emptyBias;
    final Slot embed = new Slot();
    final List<DecoderLayer> layers = new ArrayList<>();
    final Norm finalNorm;
    final Projection lmHead;
    /** Registry entry name → where its value lives, in registry order. */
    final Map<String, Bound> bound = new LinkedHashMap<>();
    /** inv_freq on the device for the static rope types (dynamic NTK recomputes beyond max positions). */
    private NDArray baseInvFreq;

    Decoder(ParameterRegistry registry, ModelOptions options, NDManager manager, KernelLibrary kernels) {
        this.config = registry.config();
        this.registry = registry;
        this.manager = manager;
        this.kernels = kernels;
        this.rope = new Rope(config);
        this.dropout = options.dropout();
        this.bf16 = options.precision() == Precision.BF16 || options.bf16Masters();
        this.paramType = options.precision() == Precision.FP64 ? DataType.FLOAT64 : DataType.FLOAT32;
        this.emptyBias = manager.create(new Shape(0), paramType);
        ai.djl.ndarray.NDScope.unregister(emptyBias);
        this.ctx = new BlockContext(config, kernels, manager, bf16, emptyBias, dropout);
        for (ParameterEntry e : registry.embedding()) {
            bound.put(e.hfName(), new Bound(e, embed, null));
        }
        for (int i = 0; i < registry.layerCount(); i++) {
            layers.add(new DecoderLayer(ctx, new LayerParams(i, registry.layer(i), emptyBias, bound)));
        }
        Slot norm = new Slot();
        Projection head = null;
        for (ParameterEntry e : registry.head()) {
            if (e.role() == ParamRole.LM_HEAD) {
                head = new Projection(e, false, emptyBias);
                bound.put(e.hfName(), new Bound(e, null, head));
            } else {
                bound.put(e.hfName(), new Bound(e, norm, null));
            }
        }
        this.finalNorm = new Norm(norm, config.spec().norm(), config.rmsNormEps());
        this.lmHead = head != null ? head : new Projection(config.spec().names().module(Part.LM_HEAD), null,
                config.hiddenSize(), config.vocabSize(), false, emptyBias);
    }

    /** The inverse frequencies for these positions as a device array (cached unless dynamic scaling kicks in). */
    private NDArray invFreq(int[] positions) {
        int max = 0;
        for (int p : positions) {
            max = Math.max(max, p);
        }
        double[] inv = rope.invFreqFor(max);
        if (inv == rope.invFreqFor(0)) {
            if (baseInvFreq == null) {
                baseInvFreq = invFreqArray(inv);
                ai.djl.ndarray.NDScope.unregister(baseInvFreq);
            }
            return baseInvFreq;
        }
        return invFreqArray(inv);
    }

    private NDArray invFreqArray(double[] inv) {
        if (paramType == DataType.FLOAT64) {
            return manager.create(inv);
        }
        float[] f = new float[inv.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) inv[i];
        }
        return manager.create(f);
    }

    /** Logits in the compute dtype for ids {@code [rows, seq]}; with a cache, appends to it (rows = 1). */
    NDArray forward(NDArray ids, int[] positions, AttentionLayout layout, int rows, int seq,
                            boolean training, KvCache cache) {
        Pass pass = pass(positions, layout, rows, seq, training, cache);
        NDArray h = layers(pass, embed(pass, ids));
        NDArray logits = lmHead.forward(kernels, finalNorm(h), training, bf16);
        if (config.family().finalLogitSoftcapping() > 0) {
            // ---- gemma2: final logit soft-capping ----
            logits = kernels.softcap(logits, config.family().finalLogitSoftcapping());
        }
        return logits;
    }

    /**
     * What every layer of one forward pass shares: RoPE tables, the attention layout and its masks (built once, reused
     * when a checkpointed layer is recomputed), dropout settings and the KV cache (null when training/scoring).
     */
    static final class Pass {
        final NDArray cos;
        final NDArray sin;
        final AttentionLayout layout;
        final int rows;
        final int seq;
        final boolean training;
        final double attnDrop;
        final KvCache cache;
        final Map<Integer, NDArray> masks = new java.util.HashMap<>();
        /** ---- mixtral: each MoE layer's router logits, kept for the load-balancing loss (null: not kept) ---- */
        NDArray[] routerLogits;

        Pass(NDArray cos, NDArray sin, AttentionLayout layout, int rows, int seq, boolean training, double attnDrop,
             KvCache cache) {
            this.cos = cos;
            this.sin = sin;
            this.layout = layout;
            this.rows = rows;
            this.seq = seq;
            this.training = training;
            this.attnDrop = attnDrop;
            this.cache = cache;
        }

        /** Keeps layer {@code layer}'s router logits when this pass collects them (a training pass with aux loss). */
        void recordRouterLogits(int layer, NDArray logits) {
            if (routerLogits != null) {
                routerLogits[layer] = logits;
            }
        }
    }

    Pass pass(int[] positions, AttentionLayout layout, int rows, int seq, boolean training, KvCache cache) {
        double attnDrop = training ? Math.max(dropout.attention(), config.attentionDropout()) : 0.0;
        NDArray pos = manager.create(positions, new Shape(rows, seq));
        NDArray[] cosSin = rope.attentionFactor() == 1.0 ? kernels.ropeTables(pos, invFreq(positions))
                : kernels.ropeTablesScaled(pos, invFreq(positions), rope.attentionFactor());
        Pass pass = new Pass(cosSin[0], cosSin[1], layout, rows, seq, training, attnDrop, cache);
        if (training && cache == null && RouterAuxLoss.applies(config)) {
            pass.routerLogits = new NDArray[layers.size()];     // ---- mixtral: load-balancing loss ----
        }
        if (cache == null) {
            // built here, in the caller's scope, so that layers run in scopes of their own can share them
            for (int i = 0; i < layers.size(); i++) {
                int window = config.slidingWindowFor(i);
                // soft-capped attention (Gemma 2) always takes a mask, plain rows included
                boolean fused = layout.isPlain() && (window == 0 || window >= seq);
                if (config.family().attnLogitSoftcapping() > 0 || !fused) {
                    pass.masks.computeIfAbsent(window, w -> kernels.documentMask(
                            manager.create(layout.documentIds(), new Shape(rows, seq)), w));
                }
            }
        }
        return pass;
    }

    /** Whether a training forward draws random numbers (dropout anywhere, LoRA dropout included). */
    boolean usesDropout(boolean training) {
        if (!training) {
            return false;
        }
        if (dropout.hidden() > 0 || dropout.attention() > 0 || dropout.ffn() > 0 || config.attentionDropout() > 0
                || config.family().residualDropout() > 0) {
            return true;
        }
        for (DecoderLayer l : layers) {
            for (Projection p : l.projections()) {
                if (p.hasLora() && p.loraDropout > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Token embeddings (with hidden dropout when training). */
    NDArray embed(Pass pass, NDArray ids) {
        NDArray h = kernels.embedding(embed.get(), ids, config.padTokenId());
        if (config.spec().scaleEmbeddings()) {
            // ---- gemma2: embeddings × sqrt(hidden_size) in the embedding's dtype ----
            h = kernels.scaleInDtype(h, Math.sqrt(config.hiddenSize()));
        }
        if (dropout.hidden() > 0) {
            h = kernels.dropout(h, dropout.hidden(), pass.training);
        }
        return h;
    }

    /** Every decoder layer applied in turn to the embedded stream {@code h}. */
    NDArray layers(Pass pass, NDArray h) {
        for (int i = 0; i < layers.size(); i++) {
            h = layer(pass, i, h);
        }
        return h;
    }

    /** Decoder layer {@code i} applied to the residual stream {@code h}. */
    NDArray layer(Pass pass, int i, NDArray h) {
        return layers.get(i).forward(pass, i, h);
    }

    /** The final RMSNorm (the LM head's input). */
    NDArray finalNorm(NDArray h) {
        return finalNorm.forward(kernels, h);
    }
}
