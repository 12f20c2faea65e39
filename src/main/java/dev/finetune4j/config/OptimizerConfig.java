package dev.finetune4j.config;

import dev.finetune4j.engine.optim.Optimizers;
import java.util.List;

/**
 * The optimizer ({@code optimizer:} block).
 *
 * @param name        {@code decoupled_lionw} (default) or {@code adamw}
 * @param betas       (β1, β2), default [0.99, 0.95] — for Lion β1 interpolates the update direction and β2 is the
 *                    momentum decay (docs/training.md §3.1)
 * @param weightDecay decoupled weight decay, default 0
 * @param eps         AdamW's ε, default 1e-8; null for Lion, which has none
 */
public record OptimizerConfig(String name, List<Double> betas, double weightDecay, Double eps) {
    /** Allowed optimizer names (the engine's registry). */
    public static final List<String> NAMES = Optimizers.NAMES;

    /** Defensive copy of the betas. */
    public OptimizerConfig {
        betas = List.copyOf(betas);
    }

    /** Defaults: decoupled_lionw, betas [0.99, 0.95], no weight decay. */
    public static OptimizerConfig defaults() {
        return new OptimizerConfig("decoupled_lionw", List.of(0.99, 0.95), 0.0, null);
    }

    /** β1. */
    public double beta1() {
        return betas.get(0);
    }

    /** β2. */
    public double beta2() {
        return betas.get(1);
    }
}
