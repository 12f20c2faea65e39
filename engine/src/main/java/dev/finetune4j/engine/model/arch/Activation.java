package dev.finetune4j.engine.model.arch;

/** The gate activation of a family's gated MLP ({@code act(gate(x)) * up(x)}). */
public enum Activation {
    /** {@code silu} (Llama, Mistral, Qwen2, Mixtral, Phi-3). */
    SILU,
    /** {@code gelu_pytorch_tanh} (Gemma 2). */
    GELU_TANH
}
