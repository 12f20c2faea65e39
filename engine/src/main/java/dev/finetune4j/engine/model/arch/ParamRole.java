package dev.finetune4j.engine.model.arch;

/** What a parameter is, independent of its family's name for it. */
public enum ParamRole {
    EMBEDDING,
    NORM,
    /** q/k/v/o or a fused qkv weight. */
    ATTN_PROJECTION,
    /** gate/up/down or a fused gate_up weight of a dense MLP. */
    MLP_PROJECTION,
    /** The MoE router ({@code block_sparse_moe.gate}). */
    ROUTER,
    /** One expert's w1/w2/w3. */
    EXPERT_PROJECTION,
    LM_HEAD,
    /** The bias of a projection (its {@link ParameterEntry#part()} names which). */
    BIAS;

    /** A Linear weight inside a decoder layer (what int8 quantizes and LoRA may adapt). */
    public boolean layerProjection() {
        return this == ATTN_PROJECTION || this == MLP_PROJECTION || this == ROUTER || this == EXPERT_PROJECTION;
    }
}
