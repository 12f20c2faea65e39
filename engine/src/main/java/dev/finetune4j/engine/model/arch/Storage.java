package dev.finetune4j.engine.model.arch;

/** How a parameter's value is held in memory. */
public enum Storage {
    FP32(4),
    FP64(8),
    /** bf16 master weights ({@code master_weights: bf16}). */
    BF16(2),
    /** int8 weights with one fp32 scale per output row (LoRA's frozen base). */
    INT8(1);

    private final int bytes;

    Storage(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element (the int8 scales not included). */
    public int bytes() {
        return bytes;
    }
}
