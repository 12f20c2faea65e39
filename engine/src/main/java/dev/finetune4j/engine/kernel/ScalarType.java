package dev.finetune4j.engine.kernel;

/** libtorch's {@code c10::ScalarType} codes, as TorchScript passes dtypes (ints). */
public enum ScalarType {
    INT8(1), INT16(2), INT32(3), INT64(4), FLOAT16(5), FLOAT32(6), FLOAT64(7), BOOL(11), BFLOAT16(15);

    private final int code;

    ScalarType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type of {@code code}. @throws KernelException for a dtype the engine does not use */
    public static ScalarType of(int code) {
        for (ScalarType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new KernelException("unexpected libtorch dtype code " + code);
    }
}
