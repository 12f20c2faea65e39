package dev.finetune4j.engine.model.arch;

import dev.finetune4j.engine.model.ConfigException;

/**
 * Optional per-family config.json values (0 / null when the family has none), parsed by the family's
 * {@link FamilyConfig}.
 *
 * @param attnLogitSoftcapping  Gemma 2 {@code attn_logit_softcapping}: scores become {@code c·tanh(s/c)}; 0 = none
 * @param finalLogitSoftcapping Gemma 2 {@code final_logit_softcapping} on the LM head's logits; 0 = none
 * @param queryPreAttnScalar    Gemma 2 {@code query_pre_attn_scalar}: attention scale {@code 1/sqrt(this)}; 0 =
 *                              {@code 1/sqrt(head_dim)}
 * @param moe                   Mixtral's MoE shape; null for a dense MLP
 * @param partialRotaryFactor   Phi-3 {@code partial_rotary_factor}: RoPE covers the first
 *                              {@code int(head_dim · factor)} features of each head; 1 = all
 * @param residualDropout       Phi-3 {@code resid_pdrop} on the attention and MLP outputs while training; 0 = none
 */
public record FamilyOptions(double attnLogitSoftcapping, double finalLogitSoftcapping, double queryPreAttnScalar,
                            MoeShape moe, double partialRotaryFactor, double residualDropout) {

    /** A family without any of these. */
    public static final FamilyOptions NONE = new FamilyOptions(0, 0, 0, null);

    /** Without Phi-3's rotary fraction and residual dropout (1 and 0). */
    public FamilyOptions(double attnLogitSoftcapping, double finalLogitSoftcapping, double queryPreAttnScalar,
                         MoeShape moe) {
        this(attnLogitSoftcapping, finalLogitSoftcapping, queryPreAttnScalar, moe, 1.0, 0.0);
    }

    public FamilyOptions {
        nonNegative("attn_logit_softcapping", attnLogitSoftcapping);
        nonNegative("final_logit_softcapping", finalLogitSoftcapping);
        nonNegative("query_pre_attn_scalar", queryPreAttnScalar);
        if (!(partialRotaryFactor > 0 && partialRotaryFactor <= 1)) {
            throw new ConfigException("config.json partial_rotary_factor = " + partialRotaryFactor + " is out of "
                    + "range; allowed: 0 < partial_rotary_factor <= 1");
        }
        if (!(residualDropout >= 0 && residualDropout < 1)) {
            throw new ConfigException("config.json resid_pdrop = " + residualDropout + " is out of range; allowed: "
                    + "0 <= resid_pdrop < 1");
        }
    }

    private static void nonNegative(String key, double v) {
        if (!(v >= 0 && Double.isFinite(v))) {
            throw new ConfigException("config.json " + key + " = " + v + " is out of range; allowed: a finite number "
                    + "> 0 (or null for none)");
        }
    }

    public FamilyOptions withSoftcapping(double attn, double finalLogits) {
        return new FamilyOptions(attn, finalLogits, queryPreAttnScalar, moe, partialRotaryFactor, residualDropout);
    }

    public FamilyOptions withQueryPreAttnScalar(double scalar) {
        return new FamilyOptions(attnLogitSoftcapping, finalLogitSoftcapping, scalar, moe, partialRotaryFactor,
                residualDropout);
    }

    public FamilyOptions withMoe(MoeShape shape) {
        return new FamilyOptions(attnLogitSoftcapping, finalLogitSoftcapping, queryPreAttnScalar, shape,
                partialRotaryFactor, residualDropout);
    }

    /** Phi-3's {@code partial_rotary_factor} and {@code resid_pdrop}. */
    public FamilyOptions withRotaryAndResidual(double partialRotary, double residDropout) {
        return new FamilyOptions(attnLogitSoftcapping, finalLogitSoftcapping, queryPreAttnScalar, moe, partialRotary,
                residDropout);
    }
}
