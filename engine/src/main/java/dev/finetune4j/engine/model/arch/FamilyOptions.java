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
 */
public record FamilyOptions(double attnLogitSoftcapping, double finalLogitSoftcapping, double queryPreAttnScalar,
                            MoeShape moe) {

    /** A family without any of these. */
    public static final FamilyOptions NONE = new FamilyOptions(0, 0, 0, null);

    public FamilyOptions {
        nonNegative("attn_logit_softcapping", attnLogitSoftcapping);
        nonNegative("final_logit_softcapping", finalLogitSoftcapping);
        nonNegative("query_pre_attn_scalar", queryPreAttnScalar);
    }

    private static void nonNegative(String key, double v) {
        if (!(v >= 0 && Double.isFinite(v))) {
            throw new ConfigException("config.json " + key + " = " + v + " is out of range; allowed: a finite number "
                    + "> 0 (or null for none)");
        }
    }

    public FamilyOptions withSoftcapping(double attn, double finalLogits) {
        return new FamilyOptions(attn, finalLogits, queryPreAttnScalar, moe);
    }

    public FamilyOptions withQueryPreAttnScalar(double scalar) {
        return new FamilyOptions(attnLogitSoftcapping, finalLogitSoftcapping, scalar, moe);
    }

    public FamilyOptions withMoe(MoeShape shape) {
        return new FamilyOptions(attnLogitSoftcapping, finalLogitSoftcapping, queryPreAttnScalar, shape);
    }
}
