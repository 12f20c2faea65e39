package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.model.arch.MoeShape;
import dev.finetune4j.engine.model.arch.Part;
import java.util.ArrayList;
import java.util.List;

/**
 * Mixtral's sparse MoE feed-forward block (HF's {@code MixtralSparseMoeBlock}; docs/models.md §8): the
 * router ({@code block_sparse_moe.gate}, Linear hidden → experts, no bias) scores each token; its softmax over the
 * experts runs in fp32, the top {@code num_experts_per_tok} experts are kept (ties go to the lower expert index) and
 * their weights renormalised to sum to 1; each kept expert computes {@code w2(silu(w1 x) * w3 x)} on only the tokens
 * routed to it (gathered with {@code index_select}, summed back with {@code index_add}, weighted). Router and
 * experts are ordinary {@link Projection}s, so LoRA and the int8 base apply to them as to any Linear; experts with
 * plain weights run in one kernel call ({@code moeExperts}), adapted or int8 ones expert by expert. When the
 * pass records router logits (the load-balancing loss, {@link RouterAuxLoss}), the layer's logits are kept there.
 */
final class MoeBlock implements FeedForward {

    private final BlockContext ctx;
    private final int layer;
    private final int topK;
    private final Projection router;
    private final List<Projection> w1;
    private final List<Projection> w2;
    private final List<Projection> w3;

    MoeBlock(BlockContext ctx, LayerParams p) {
        this.ctx = ctx;
        this.layer = p.layer;
        MoeShape shape = ctx.config().family().moe();
        this.topK = shape.numExpertsPerTok();
        this.router = p.linear(Part.ROUTER);
        this.w1 = p.linears(Part.EXPERT_W1);
        this.w2 = p.linears(Part.EXPERT_W2);
        this.w3 = p.linears(Part.EXPERT_W3);
        if (w1.size() != shape.numLocalExperts() || w2.size() != w1.size() || w3.size() != w1.size()) {
            throw new IllegalStateException("layer " + layer + ": expected " + shape.numLocalExperts()
                    + " experts' w1/w2/w3, got " + w1.size() + "/" + w2.size() + "/" + w3.size());
        }
    }

    @Override
    public NDArray forward(Decoder.Pass pass, NDArray x) {
        KernelLibrary k = ctx.kernels();
        boolean training = pass.training;
        boolean bf16 = ctx.bf16();
        NDArray logits = router.forward(k, x, training, bf16);
        pass.recordRouterLogits(layer, logits);
        NDArray[] route = k.moeRoute(logits, topK, logits);          // weights in the compute dtype, as HF
        NDArray[] positions = k.moeDispatch(route[1], w1.size());
        if (plainExperts()) {
            return k.moeExperts(x, List.of(positions), weights(w1), weights(w3), weights(w2), route[0], topK,
                    ctx.dropout().ffn(), training, bf16);
        }
        List<NDArray> ys = new ArrayList<>();
        List<NDArray> used = new ArrayList<>();
        for (int e = 0; e < w1.size(); e++) {
            if (positions[e].getShape().size() == 0) {
                continue;                                              // no token picked this expert
            }
            NDArray xe = k.moeGather(x, positions[e], topK);
            NDArray act = k.siluMul(w1.get(e).forward(k, xe, training, bf16), w3.get(e).forward(k, xe, training, bf16));
            if (ctx.dropout().ffn() > 0) {
                act = k.dropout(act, ctx.dropout().ffn(), training);
            }
            ys.add(w2.get(e).forward(k, act, training, bf16));
            used.add(positions[e]);
        }
        return k.moeCombine(x, ys, used, route[0], topK);
    }

    /** Whether every expert is a plain weight (no LoRA, no int8): then one kernel call runs them all. */
    private boolean plainExperts() {
        for (List<Projection> ps : List.of(w1, w2, w3)) {
            for (Projection p : ps) {
                if (p.hasLora() || p.quantized() || p.hasBias) {
                    return false;
                }
            }
        }
        return true;
    }

    private static List<NDArray> weights(List<Projection> ps) {
        List<NDArray> out = new ArrayList<>(ps.size());
        for (Projection p : ps) {
            out.add(p.weight);
        }
        return out;
    }

    @Override
    public List<Projection> projections() {
        List<Projection> out = new ArrayList<>();
        out.add(router);
        for (int e = 0; e < w1.size(); e++) {
            out.add(w1.get(e));
            out.add(w2.get(e));
            out.add(w3.get(e));
        }
        return out;
    }
}
