package dev.finetune4j.engine.model.arch;

/**
 * Structural positions of a decoder's parameters; a family's {@link NameTable} gives each the family's HF module
 * name. The norms are named by where they sit, not by what a family calls them: Llama's
 * {@code post_attention_layernorm} is the {@link #FFN_NORM} (before the MLP), Gemma 2's is the {@link #ATTN_OUT_NORM}
 * (after attention) and its {@code pre_feedforward_layernorm} the {@link #FFN_NORM}.
 */
public enum Part {
    EMBED,
    /** Before attention. */
    INPUT_NORM,
    Q, K, V,
    /** Fused q/k/v ({@code ArchSpec.fusedQkv}), rows {@code [q | k | v]}. */
    QKV,
    O,
    /** After attention, before the residual add ({@code ArchSpec.sandwichNorms}). */
    ATTN_OUT_NORM,
    /** Before the feed-forward block. */
    FFN_NORM,
    GATE, UP,
    /** Fused gate/up ({@code ArchSpec.fusedGateUp}), rows {@code [gate | up]}. */
    GATE_UP,
    DOWN,
    /** MoE router. */
    ROUTER,
    /** Expert {@code e}'s gate projection (Mixtral {@code w1}). */
    EXPERT_W1,
    /** Expert {@code e}'s down projection (Mixtral {@code w2}). */
    EXPERT_W2,
    /** Expert {@code e}'s up projection (Mixtral {@code w3}). */
    EXPERT_W3,
    /** After the feed-forward block, before the residual add ({@code ArchSpec.sandwichNorms}). */
    FFN_OUT_NORM,
    FINAL_NORM,
    LM_HEAD
}
