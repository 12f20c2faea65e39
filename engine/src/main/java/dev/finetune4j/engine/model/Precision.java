package dev.finetune4j.engine.model;

import java.util.Locale;

/**
 * Compute precision of a run (docs/djl.md §5): fp32 throughout, or bf16 matmuls and attention over fp32 master
 * weights (Composer's amp_bf16). {@code AUTO} is the configuration's default and becomes BF16 on CUDA, FP32 on the
 * CPU when a model is built ({@link ModelOptions} resolves it). {@code FP64} (float64 parameters and compute) exists
 * for finite-difference gradient checks and is not a run setting.
 */
public enum Precision {
    /** BF16 on CUDA, FP32 on the CPU. */
    AUTO,
    /** Everything in fp32. */
    FP32,
    /** bf16 matmuls with fp32 master weights and loss. */
    BF16,
    /** float64 parameters and compute (tests only). */
    FP64;

    /** The concrete precision on a device: AUTO is BF16 on CUDA and FP32 on the CPU; others stay as they are. */
    public Precision resolve(boolean onCuda) {
        if (this != AUTO) {
            return this;
        }
        return onCuda ? BF16 : FP32;
    }

    /** Parses {@code fp32} / {@code bf16} (also {@code amp_bf16}, {@code float32}, {@code bfloat16}). */
    public static Precision parse(String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "fp32": case "float32": return FP32;
            case "bf16": case "amp_bf16": case "bfloat16": return BF16;
            default: throw new ConfigException("precision '" + value + "' is not supported; allowed: fp32, bf16");
        }
    }
}
