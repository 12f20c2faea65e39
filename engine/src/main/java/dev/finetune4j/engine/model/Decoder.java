package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.engine.kernel.KernelLibrary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The module tree of a Llama-family decoder (embedding, layers, final norm, LM head) and its forward pass
 * (docs/training.md §12.2): pre-norm residual blocks, rotate-half RoPE, GQA attention that stays inside each
 * document, SiLU-gated MLP. Parameters are owned by {@link CausalLm}; this class only computes.
 */
final class Decoder {

    final LlamaConfig config;
    final NDManager manager;
    final KernelLibrary kernels;
    final Rope rope;
    final DropoutOptions dropout;
    final boolean bf16;
    final DataType paramType;
    final NDArray emptyBias;
    final NDArray[] embed = new NDArray[1];
    final List<Layer> layers = new ArrayList<>();
    final NDArray[] finalNorm = new NDArray[1];
    final Projection lmHead;
    /** inv_freq on the device for the static rope types (dynamic NTK recomputes beyond max positions). */
    private NDArray baseInvFreq;

    /**
     * One decoder layer's modules: q/k/v and gate/up, or (Phi-3) the fused {@code qkv} and {@code gateUp} with the
     * separate ones null.
     */
    record Layer(NDArray[] inputNorm, Projection q, Projection k, Projection v, Projection qkv, Projection o,
                 NDArray[] postNorm, Projection gate, Projection up, Projection gateUp, Projection down) {

        List<Projection> projections() {
            return qkv != null ? List.of(qkv, o, gateUp, down) : List.of(q, k, v, o, gate, up, down);
        }

        /** The first projection of the MLP (its norm's parameter precedes it in HF order). */
        Projection mlpIn() {
            return gateUp != null ? gateUp : gate;
        }
    }

    Decoder(LlamaConfig config, ModelOptions options, NDManager manager, KernelLibrary kernels) {
        this.config = config;
        this.manager = manager;
        this.kernels = kernels;
        this.rope = new Rope(config);
        this.dropout = options.dropout();
        this.bf16 = options.precision() == Precision.BF16 || options.bf16Masters();
        this.paramType = options.precision() == Precision.FP64 ? DataType.FLOAT64 : DataType.FLOAT32;
        this.emptyBias = manager.create(new Shape(0), paramType);
        ai.djl.ndarray.NDScope.unregister(emptyBias);
        int h = config.hiddenSize();
        int hd = config.headDim();
        int q = config.numAttentionHeads() * hd;
        int kv = config.numKeyValueHeads() * hd;
        int inter = config.intermediateSize();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            Projection o = new Projection(p + "self_attn.o_proj", q, h, config.oBias(), emptyBias);
            Projection down = new Projection(p + "mlp.down_proj", inter, h, config.mlpBias(), emptyBias);
            if (config.fusedProjections()) {
                layers.add(new Layer(new NDArray[1], null, null, null,
                        new Projection(p + "self_attn.qkv_proj", h, q + 2 * kv, false, emptyBias), o, new NDArray[1],
                        null, null, new Projection(p + "mlp.gate_up_proj", h, 2 * inter, false, emptyBias), down));
                continue;
            }
            layers.add(new Layer(new NDArray[1],
                    new Projection(p + "self_attn.q_proj", h, q, config.qkvBias(), emptyBias),
                    new Projection(p + "self_attn.k_proj", h, kv, config.qkvBias(), emptyBias),
                    new Projection(p + "self_attn.v_proj", h, kv, config.qkvBias(), emptyBias), null, o,
                    new NDArray[1],
                    new Projection(p + "mlp.gate_proj", h, inter, config.mlpBias(), emptyBias),
                    new Projection(p + "mlp.up_proj", h, inter, config.mlpBias(), emptyBias), null, down));
        }
        this.lmHead = new Projection("lm_head", h, config.vocabSize(), false, emptyBias);
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
        NDArray h = embed(pass, ids);
        for (int i = 0; i < layers.size(); i++) {
            h = layer(pass, i, h);
        }
        return lmHead.forward(kernels, finalNorm(h), training, bf16);
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
    }

    Pass pass(int[] positions, AttentionLayout layout, int rows, int seq, boolean training, KvCache cache) {
        double attnDrop = training ? Math.max(dropout.attention(), config.attentionDropout()) : 0.0;
        NDArray pos = manager.create(positions, new Shape(rows, seq));
        NDArray[] cosSin = rope.attentionFactor() == 1.0 ? kernels.ropeTables(pos, invFreq(positions))
                : kernels.ropeTablesScaled(pos, invFreq(positions), rope.attentionFactor());
        Pass pass = new Pass(cosSin[0], cosSin[1], layout, rows, seq, training, attnDrop, cache);
        if (cache == null) {
            // built here, in the caller's scope, so that layers run in scopes of their own can share them
            for (int i = 0; i < layers.size(); i++) {
                int window = config.slidingWindowFor(i);
                if (!(layout.isPlain() && (window == 0 || window >= seq))) {
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
                || config.residualDropout() > 0) {
            return true;
        }
        for (Layer l : layers) {
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
        NDArray h = kernels.embedding(embed[0], ids, config.padTokenId());
        if (dropout.hidden() > 0) {
            h = kernels.dropout(h, dropout.hidden(), pass.training);
        }
        return h;
    }

    /** Decoder layer {@code i} applied to the residual stream {@code h}. */
    NDArray layer(Pass pass, int i, NDArray h) {
        DropoutOptions d = dropout;
        boolean training = pass.training;
        int hd = config.headDim();
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        double scale = 1.0 / Math.sqrt(hd);
        Layer l = layers.get(i);
        int window = config.slidingWindowFor(i);
        double residDrop = Math.max(d.hidden(), training ? config.residualDropout() : 0.0);
        NDArray n = kernels.rmsNorm(h, l.inputNorm()[0], config.rmsNormEps());
        NDArray[] qkv = l.qkv() != null
                ? kernels.splitQkv(l.qkv().forward(kernels, n, training, bf16), heads * hd, kvHeads * hd)
                : new NDArray[] {l.q().forward(kernels, n, training, bf16), l.k().forward(kernels, n, training, bf16),
                        l.v().forward(kernels, n, training, bf16)};
        NDArray q = rotate(pass, qkv[0], heads);
        NDArray k = rotate(pass, qkv[1], kvHeads);
        NDArray v = kernels.splitHeads(qkv[2], kvHeads, hd);
        NDArray attn = pass.cache != null ? cachedAttention(i, q, k, v, pass.seq, window, pass.cache, scale)
                : attention(pass.layout, q, k, v, pass.rows, pass.seq, window, pass.attnDrop, scale, pass.masks);
        h = kernels.residualAdd(h, l.o().forward(kernels, attn, training, bf16), residDrop, training);
        NDArray n2 = kernels.rmsNorm(h, l.postNorm()[0], config.rmsNormEps());
        NDArray act = l.gateUp() != null
                ? kernels.gateUpSilu(l.gateUp().forward(kernels, n2, training, bf16), config.intermediateSize())
                : kernels.siluMul(l.gate().forward(kernels, n2, training, bf16),
                l.up().forward(kernels, n2, training, bf16));
        if (d.ffn() > 0) {
            act = kernels.dropout(act, d.ffn(), training);
        }
        return kernels.residualAdd(h, l.down().forward(kernels, act, training, bf16), residDrop, training);
    }

    /** Splits {@code x} into heads and applies RoPE to all of each head, or to its first {@code rope.dim()} features. */
    private NDArray rotate(Pass pass, NDArray x, int heads) {
        int hd = config.headDim();
        return rope.dim() == hd ? kernels.rope(x, pass.cos, pass.sin, heads, hd)
                : kernels.ropePartial(x, pass.cos, pass.sin, heads, hd, rope.dim());
    }

    /** The final RMSNorm (the LM head's input). */
    NDArray finalNorm(NDArray h) {
        return kernels.rmsNorm(h, finalNorm[0], config.rmsNormEps());
    }

    /** Training/scoring attention: fused causal for plain rows, varlen flash on CUDA, else a document mask. */
    private NDArray attention(AttentionLayout layout, NDArray q, NDArray k, NDArray v, int rows, int seq, int window,
                              double dropout, double scale, Map<Integer, NDArray> masks) {
        if (layout.isPlain() && (window == 0 || window >= seq)) {
            return kernels.sdpaCausal(q, k, v, config.kvGroups(), dropout, scale);
        }
        if (bf16 && kernels.hasVarlenAttention()) {
            NDArray out = varlen(layout, q, k, v, rows, seq, dropout, scale, window);
            if (out != null) {
                return out;
            }
        }
        NDArray mask = masks.computeIfAbsent(window, w -> kernels.documentMask(
                manager.create(layout.documentIds(), new Shape(rows, seq)), w));
        return kernels.sdpaMasked(q, k, v, mask, config.kvGroups(), dropout, scale);
    }

    /** Incremental attention: appends k/v of layer {@code layer} to the cache and attends over all cached keys. */
    private NDArray cachedAttention(int layer, NDArray q, NDArray k, NDArray v, int seq, int window, KvCache cache,
                                    double scale) {
        NDArray kAll = kernels.cacheAppend(cache.keys(layer) == null ? emptyBias : cache.keys(layer), k);
        NDArray vAll = kernels.cacheAppend(cache.values(layer) == null ? emptyBias : cache.values(layer), v);
        cache.update(layer, kAll, vAll);
        int total = cache.length() + seq;
        if (cache.length() == 0 && (window == 0 || window >= total)) {
            return kernels.sdpaCausal(q, kAll, vAll, config.kvGroups(), 0.0, scale);
        }
        NDArray mask = kernels.cacheMask(seq, total, window, q);
        return kernels.sdpaMasked(q, kAll, vAll, mask, config.kvGroups(), 0.0, scale);
    }

    private NDArray varlen(AttentionLayout layout, NDArray q, NDArray k, NDArray v, int rows, int seq,
                           double dropout, double scale, int window) {
        int[] cu = layout.flatCuSeqlens(rows, seq);
        NDArray cuArray = manager.create(cu);
        return kernels.sdpaVarlen(q, k, v, cuArray, AttentionLayout.maxSegment(cu), dropout, scale, window);
    }

}
