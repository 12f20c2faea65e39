package dev.finetune4j.engine.model;

import java.util.Locale;

/**
 * Compute precision of a run: fp32 throughout, or bf16 matmuls and attention over fp32 master weights. {@code FP64}
 * (float64 parameters and compute) exists for finite-difference gradient checks and is not a run setting.
 */
public enum Precision {
    FP32, BF16, FP64;

    /** Parses {@code fp32} / {@code bf16} (also {@code amp_bf16}, {@code float32}, {@code bfloat16}). */
    public static Precision parse(String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "fp32": case "float32": return FP32;
            case "bf16": case "amp_bf16": case "bfloat16": return BF16;
            default: throw new ConfigException("precision '" + value + "' is not supported; allowed: fp32, bf16");
        }
    }
}
