package dev.finetune4j.engine.model.arch;

/** How a family's RMSNorm applies its weight. */
public enum NormStyle {
    /** {@code x / rms(x) * w} (Llama, Mistral, Qwen2, Mixtral, Phi-3). */
    RMS,
    /** {@code x / rms(x) * (1 + w)}, computed in fp32 (Gemma). */
    RMS_ONE_PLUS
}
