package dev.finetune4j.config;

import java.util.List;

/**
 * LoRA adapters ({@code lora:} block); absent means full fine-tuning.
 *
 * @param r               rank, default 8
 * @param alpha           scaling numerator, default 16 (scale = alpha / r, or alpha / √r with rsLoRA)
 * @param dropout         dropout on the adapter input, default 0.05
 * @param targetModules   module names to adapt, default PEFT's Llama default [q_proj, v_proj]
 * @param useRslora       rank-stabilised scaling, default false
 * @param loraplusLrRatio LoRA+ learning-rate ratio for the B matrices, null = off
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules, boolean useRslora,
                         Double loraplusLrRatio) {

    /** Defensive copy of the module list. */
    public LoraConfig {
        targetModules = List.copyOf(targetModules);
    }

    /** Defaults: r 8, alpha 16, dropout 0.05, [q_proj, v_proj], no rsLoRA, no LoRA+. */
    public static LoraConfig defaults() {
        return new LoraConfig(8, 16, 0.05, List.of("q_proj", "v_proj"), false, null);
    }
}
