package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.arch.Part;
import java.util.List;
import java.util.Map;

/**
 * One layer's self-attention (docs/training.md §12.2): q/k/v projections (or a fused qkv), rotate-half RoPE, GQA
 * attention that stays inside each document (fused causal, varlen flash on CUDA, or a document mask; a KV cache when
 * decoding) and the output projection. What varies by family is data in {@link AttentionOptions}.
 */
final class Attention {

    private final BlockContext ctx;
    private final AttentionOptions opt;
    private final Projection q;
    private final Projection k;
    private final Projection v;
    private final Projection qkv;
    private final Projection o;

    Attention(BlockContext ctx, AttentionOptions opt, LayerParams p) {
        this.ctx = ctx;
        this.opt = opt;
        this.qkv = opt.fusedQkv() ? p.linear(Part.QKV) : null;
        this.q = opt.fusedQkv() ? null : p.linear(Part.Q);
        this.k = opt.fusedQkv() ? null : p.linear(Part.K);
        this.v = opt.fusedQkv() ? null : p.linear(Part.V);
        this.o = p.linear(Part.O);
    }

    AttentionOptions options() {
        return opt;
    }

    /** The Linears in HF order. */
    List<Projection> projections() {
        return qkv != null ? List.of(qkv, o) : List.of(q, k, v, o);
    }

    /** The o-projected attention output of layer {@code layer} for the normed stream {@code x}. */
    NDArray forward(Decoder.Pass pass, int layer, NDArray x) {
        KernelLibrary kl = ctx.kernels();
        boolean training = pass.training;
        boolean bf16 = ctx.bf16();
        int hd = opt.headDim();
        NDArray qh;
        NDArray kh;
        NDArray vh;
        if (qkv != null) {
            // ---- phi3: split the fused qkv_proj output into q [heads·hd], k, v [kvHeads·hd] ----
            NDArray[] parts = kl.splitQkv(qkv.forward(kl, x, training, bf16), opt.heads() * hd, opt.kvHeads() * hd);
            qh = rotate(kl, pass, parts[0], opt.heads());
            kh = rotate(kl, pass, parts[1], opt.kvHeads());
            vh = kl.splitHeads(parts[2], opt.kvHeads(), hd);
        } else {
            qh = rotate(kl, pass, q.forward(kl, x, training, bf16), opt.heads());
            kh = rotate(kl, pass, k.forward(kl, x, training, bf16), opt.kvHeads());
            vh = kl.splitHeads(v.forward(kl, x, training, bf16), opt.kvHeads(), hd);
        }
        NDArray attn = pass.cache != null ? cached(layer, qh, kh, vh, pass.seq, pass.cache)
                : attention(pass.layout, qh, kh, vh, pass.rows, pass.seq, pass.attnDrop, pass.masks);
        return o.forward(kl, attn, training, bf16);
    }

    /**
     * Splits {@code x} into heads and applies rotate-half RoPE to all of each head, or to its first
     * {@code rotaryDim} features ({@code partial_rotary_factor}, docs/training.md §12.3).
     */
    private NDArray rotate(KernelLibrary kl, Decoder.Pass pass, NDArray x, int heads) {
        int hd = opt.headDim();
        int rotary = ctx.config().rotaryDim();
        return rotary == hd ? kl.rope(x, pass.cos, pass.sin, heads, hd)
                : kl.ropePartial(x, pass.cos, pass.sin, heads, hd, rotary);
    }

    /** Training/scoring attention: fused causal for plain rows, varlen flash on CUDA, else a document mask. */
    private NDArray attention(AttentionLayout layout, NDArray qh, NDArray kh, NDArray vh, int rows, int seq,
                              double dropout, Map<Integer, NDArray> masks) {
        KernelLibrary kl = ctx.kernels();
        int window = opt.window();
        if (opt.softcap() > 0) {
            // ---- gemma2: soft-capped scores (no fused or flash kernel caps: explicit scores under the mask) ----
            NDArray mask = masks.computeIfAbsent(window, w -> kl.documentMask(
                    ctx.manager().create(layout.documentIds(), new Shape(rows, seq)), w));
            return kl.sdpaSoftcap(qh, kh, vh, mask, opt.kvGroups(), dropout, opt.scale(), opt.softcap());
        }
        if (layout.isPlain() && (window == 0 || window >= seq)) {
            return kl.sdpaCausal(qh, kh, vh, opt.kvGroups(), dropout, opt.scale());
        }
        if (ctx.bf16() && kl.hasVarlenAttention()) {
            int[] cu = layout.flatCuSeqlens(rows, seq);
            NDArray out = kl.sdpaVarlen(qh, kh, vh, ctx.manager().create(cu), AttentionLayout.maxSegment(cu), dropout,
                    opt.scale(), window);
            if (out != null) {
                return out;
            }
        }
        NDArray mask = masks.computeIfAbsent(window, w -> kl.documentMask(
                ctx.manager().create(layout.documentIds(), new Shape(rows, seq)), w));
        return kl.sdpaMasked(qh, kh, vh, mask, opt.kvGroups(), dropout, opt.scale());
    }

    /** Incremental attention: appends k/v of layer {@code layer} to the cache and attends over all cached keys. */
    private NDArray cached(int layer, NDArray qh, NDArray kh, NDArray vh, int seq, KvCache cache) {
        KernelLibrary kl = ctx.kernels();
        NDArray empty = ctx.emptyBias();
        NDArray kAll = kl.cacheAppend(cache.keys(layer) == null ? empty : cache.keys(layer), kh);
        NDArray vAll = kl.cacheAppend(cache.values(layer) == null ? empty : cache.values(layer), vh);
        cache.update(layer, kAll, vAll);
        int total = cache.length() + seq;
        int window = opt.window();
        if (opt.softcap() > 0) {
            // ---- gemma2: soft-capped scores against the cache ----
            return kl.sdpaSoftcap(qh, kAll, vAll, kl.cacheMask(seq, total, window, qh), opt.kvGroups(), 0.0,
                    opt.scale(), opt.softcap());
        }
        if (cache.length() == 0 && (window == 0 || window >= total)) {
            return kl.sdpaCausal(qh, kAll, vAll, opt.kvGroups(), 0.0, opt.scale());
        }
        NDArray mask = kl.cacheMask(seq, total, window, qh);
        return kl.sdpaMasked(qh, kAll, vAll, mask, opt.kvGroups(), 0.0, opt.scale());
    }
}
