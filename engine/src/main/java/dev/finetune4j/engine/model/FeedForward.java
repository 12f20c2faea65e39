package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * The feed-forward block of a decoder layer, chosen by the family's spec: {@link DenseMlp} (gated MLP, fused or
 * not) or a sparse MoE block.
 */
interface FeedForward {

    /** The block's output for the normed residual stream {@code x} {@code [rows, seq, hidden]}, before the add. */
    NDArray forward(Decoder.Pass pass, NDArray x);

    /** Its Linear layers in HF order (what LoRA adapts and int8 quantizes). */
    List<Projection> projections();

    /** The block of layer {@code layer}'s parameters for the family of {@code ctx.config()}. */
    static FeedForward of(BlockContext ctx, LayerParams params) {
        if (ctx.config().spec().moe()) {
            return new MoeBlock(ctx, params);             // ---- mixtral ----
        }
        return new DenseMlp(ctx, params);
    }
}
