package dev.finetune4j.engine.plan;

import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.ModelConfig;

/**
 * What a memory estimate depends on.
 *
 * @param model          the architecture (from config.json)
 * @param microBatchSize rows per forward/backward
 * @param contextLength  tokens per row
 * @param bf16Compute    {@code precision: bf16} (bf16 matmuls and attention)
 * @param bf16Masters    {@code master_weights: bf16}
 * @param lora           LoRA adapters, or null for full fine-tuning
 * @param int8           int8 base projections (LoRA only)
 * @param adamw          AdamW (two state slots) rather than DecoupledLionW (one)
 * @param checkpointing  {@code activation_checkpointing}
 * @param inBackward     {@code optimizer_in_backward}
 * @param cuda           the device is a GPU (else the CPU: the JVM and libtorch count as overhead)
 */
public record PlanInput(ModelConfig model, int microBatchSize, int contextLength, boolean bf16Compute,
                        boolean bf16Masters, LoraOptions lora, boolean int8, boolean adamw, boolean checkpointing,
                        boolean inBackward, boolean cuda) {

    public PlanInput withCheckpointing(boolean on) {
        return new PlanInput(model, microBatchSize, contextLength, bf16Compute, bf16Masters, lora, int8, adamw, on,
                inBackward, cuda);
    }

    public PlanInput withBf16Masters(boolean on) {
        return new PlanInput(model, microBatchSize, contextLength, bf16Compute, on, lora, int8, adamw, checkpointing,
                inBackward, cuda);
    }

    public PlanInput withInBackward(boolean on) {
        return new PlanInput(model, microBatchSize, contextLength, bf16Compute, bf16Masters, lora, int8, adamw,
                checkpointing, on, cuda);
    }

    public PlanInput withMicroBatchSize(int rows) {
        return new PlanInput(model, rows, contextLength, bf16Compute, bf16Masters, lora, int8, adamw, checkpointing,
                inBackward, cuda);
    }

    public PlanInput withLora(LoraOptions l, boolean q) {
        return new PlanInput(model, microBatchSize, contextLength, bf16Compute, bf16Masters, l, q, adamw,
                checkpointing, inBackward, cuda);
    }
}
