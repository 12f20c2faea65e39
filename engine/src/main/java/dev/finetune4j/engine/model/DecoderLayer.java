package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.arch.Part;
import java.util.ArrayList;
import java.util.List;

/**
 * One pre-norm residual decoder layer: {@code h + [attnOutNorm](attention(inputNorm(h)))}, then
 * {@code h + [ffnOutNorm](ffn(ffnNorm(h)))}; the bracketed norms exist with the spec's {@code sandwichNorms}
 * (Gemma 2).
 */
final class DecoderLayer {

    private final BlockContext ctx;
    final Norm inputNorm;
    final Attention attention;
    final Norm attnOutNorm;
    final Norm ffnNorm;
    final FeedForward ffn;
    final Norm ffnOutNorm;

    DecoderLayer(BlockContext ctx, LayerParams p) {
        this.ctx = ctx;
        ModelConfig c = ctx.config();
        this.inputNorm = p.norm(Part.INPUT_NORM, c);
        this.attention = new Attention(ctx, AttentionOptions.of(c, p.layer), p);
        this.attnOutNorm = p.norm(Part.ATTN_OUT_NORM, c);
        this.ffnNorm = p.norm(Part.FFN_NORM, c);
        this.ffn = FeedForward.of(ctx, p);
        this.ffnOutNorm = p.norm(Part.FFN_OUT_NORM, c);
    }

    /** The layer's Linears in HF order (attention, then the feed-forward block). */
    List<Projection> projections() {
        List<Projection> out = new ArrayList<>(attention.projections());
        out.addAll(ffn.projections());
        return out;
    }

    /** This layer (index {@code i}) applied to the residual stream {@code h}. */
    NDArray forward(Decoder.Pass pass, int i, NDArray h) {
        KernelLibrary k = ctx.kernels();
        // Phi-3's resid_pdrop acts where the hidden dropout does (after attention and after the MLP)
        double hidden = Math.max(ctx.dropout().hidden(), ctx.config().family().residualDropout());
        NDArray a = attention.forward(pass, i, inputNorm.forward(k, h));
        if (attnOutNorm != null) {
            a = attnOutNorm.forward(k, a);
        }
        h = k.residualAdd(h, a, hidden, pass.training);
        NDArray f = ffn.forward(pass, ffnNorm.forward(k, h));
        if (ffnOutNorm != null) {
            f = ffnOutNorm.forward(k, f);
        }
        return k.residualAdd(h, f, hidden, pass.training);
    }
}
