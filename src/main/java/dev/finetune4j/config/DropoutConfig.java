package dev.finetune4j.config;

/**
 * Dropout probabilities applied during training ({@code dropout:} block); all default to 0.
 *
 * @param hidden    on the residual stream (after attention and MLP)
 * @param attention on the attention probabilities
 * @param ffn       inside the MLP
 */
public record DropoutConfig(double hidden, double attention, double ffn) {
    /** No dropout anywhere. */
    public static final DropoutConfig NONE = new DropoutConfig(0, 0, 0);
}
