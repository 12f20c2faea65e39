package dev.finetune4j.engine.kernel;

/** libtorch's {@code c10::ScalarType} codes, as TorchScript passes dtypes (ints). */
public enum ScalarType {
    INT8(1), INT16(2), INT64(4), FLOAT16(5), FLOAT32(6), FLOAT64(7), BOOL(11), BFLOAT16(15);

    private final int code;

    ScalarType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
