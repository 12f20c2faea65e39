package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.arch.Part;
import java.util.List;

/**
 * The gated MLP {@code down(act(gate(x)) * up(x))} (docs/training.md §12.2), with the family's activation; FFN
 * dropout on the product.
 */
final class DenseMlp implements FeedForward {

    private final BlockContext ctx;
    private final Projection gate;
    private final Projection up;
    private final Projection gateUp;
    private final Projection down;

    DenseMlp(BlockContext ctx, LayerParams p) {
        this.ctx = ctx;
        boolean fused = ctx.config().spec().fusedGateUp();
        this.gate = fused ? null : p.linear(Part.GATE);
        this.up = fused ? null : p.linear(Part.UP);
        this.gateUp = fused ? p.linear(Part.GATE_UP) : null;
        this.down = p.linear(Part.DOWN);
    }

    @Override
    public NDArray forward(Decoder.Pass pass, NDArray x) {
        KernelLibrary k = ctx.kernels();
        boolean training = pass.training;
        NDArray act;
        if (gateUp != null) {
            // ---- phi3: fused gate_up_proj (rows [gate | up]) ----
            act = k.gateUpSilu(gateUp.forward(k, x, training, ctx.bf16()), ctx.config().intermediateSize());
        } else {
            act = activation(k, gate.forward(k, x, training, ctx.bf16()), up.forward(k, x, training, ctx.bf16()));
        }
        if (ctx.dropout().ffn() > 0) {
            act = k.dropout(act, ctx.dropout().ffn(), training);
        }
        return down.forward(k, act, training, ctx.bf16());
    }

    private NDArray activation(KernelLibrary k, NDArray g, NDArray u) {
        return switch (ctx.config().spec().activation()) {
            case SILU -> k.siluMul(g, u);
            // ---- gemma2: GELU_TANH ----
            case GELU_TANH -> k.geluTanhMul(g, u);
        };
    }

    @Override
    public List<Projection> projections() {
        return gateUp != null ? List.of(gateUp, down) : List.of(gate, up, down);
    }
}
