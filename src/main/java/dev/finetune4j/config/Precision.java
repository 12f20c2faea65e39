package dev.finetune4j.config;

/** Numeric precision of the training step. */
public enum Precision {
    /** bf16 on CUDA, fp32 on CPU. */
    AUTO,
    /** bf16 matmuls with fp32 master weights and loss (Composer's amp_bf16). */
    BF16,
    /** Everything in fp32. */
    FP32;

    /** The concrete precision on this device: AUTO is BF16 on CUDA and FP32 on CPU. */
    public Precision resolve(boolean onCuda) {
        if (this != AUTO) {
            return this;
        }
        return onCuda ? BF16 : FP32;
    }
}
