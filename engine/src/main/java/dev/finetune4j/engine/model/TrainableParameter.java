package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * A parameter the optimizer updates: its HF name (PEFT-style {@code ...q_proj.lora_A.weight} for adapters), the
 * fp32 master array (with a gradient buffer) and its group.
 */
public record TrainableParameter(String name, NDArray array, Group group) {

    /** Optimizer grouping: LoRA+ gives {@code LORA_B} its own learning rate. */
    public enum Group { BASE, LORA_A, LORA_B }
}
