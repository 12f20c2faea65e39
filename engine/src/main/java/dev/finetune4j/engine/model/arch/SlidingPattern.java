package dev.finetune4j.engine.model.arch;

/** Which decoder layers use the config's sliding window ({@code ModelConfig.slidingWindowFor(layer)}). */
public enum SlidingPattern {
    /** Full attention everywhere (Llama). */
    NONE,
    /** Every layer (Mistral, Mixtral, Phi-3 when {@code sliding_window} is set). */
    ALL,
    /** Layers {@code >= max_window_layers} (Qwen2 with {@code use_sliding_window}). */
    FROM_LAYER,
    /** Layers 0, 2, 4, … (Gemma 2's alternation: {@code not layer_idx % 2}). */
    EVEN_LAYERS
}
