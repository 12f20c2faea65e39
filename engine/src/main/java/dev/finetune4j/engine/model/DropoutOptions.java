package dev.finetune4j.engine.model;

/**
 * Dropout probabilities, active only when the model runs with {@code training = true}: {@code hidden} on the
 * embeddings and on each attention/MLP output before the residual add, {@code attention} on the attention
 * probabilities, {@code ffn} on {@code silu(gate)·up} before down_proj.
 */
public record DropoutOptions(double hidden, double attention, double ffn) {

    public static final DropoutOptions NONE = new DropoutOptions(0, 0, 0);

    public DropoutOptions {
        check("hidden", hidden);
        check("attention", attention);
        check("ffn", ffn);
    }

    private static void check(String key, double p) {
        if (!(p >= 0 && p < 1)) {
            throw new ConfigException("dropout." + key + " must be in [0, 1), got " + p);
        }
    }
}
