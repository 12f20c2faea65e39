package dev.finetune4j.checkpoint;

import java.util.Locale;

/**
 * Element types of stored tensors, with their names in torch (`torch.bfloat16` → "bfloat16"),
 * in safetensors headers ("BF16") and their size in bytes.
 */
public enum DType {
    BOOL("bool", "BOOL", 1),
    UINT8("uint8", "U8", 1),
    INT8("int8", "I8", 1),
    INT16("int16", "I16", 2),
    INT32("int32", "I32", 4),
    INT64("int64", "I64", 8),
    FLOAT16("float16", "F16", 2),
    BFLOAT16("bfloat16", "BF16", 2),
    FLOAT32("float32", "F32", 4),
    FLOAT64("float64", "F64", 8);

    private final String torchName;
    private final String safetensorsName;
    private final int byteSize;

    DType(String torchName, String safetensorsName, int byteSize) {
        this.torchName = torchName;
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
    }

    /** The torch name, as `str(t.dtype)` without the `torch.` prefix. */
    public String torchName() {
        return torchName;
    }

    /** The dtype string of a safetensors header. */
    public String safetensorsName() {
        return safetensorsName;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return this == FLOAT16 || this == BFLOAT16 || this == FLOAT32 || this == FLOAT64;
    }

    /** Parses a torch dtype name ("bfloat16", "torch.bfloat16", "float", "half" …). */
    public static DType fromTorchName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("torch.")) {
            n = n.substring(6);
        }
        switch (n) {
            case "float": return FLOAT32;
            case "double": return FLOAT64;
            case "half": return FLOAT16;
            case "long": return INT64;
            case "int": return INT32;
            case "short": return INT16;
            default: break;
        }
        for (DType t : values()) {
            if (t.torchName.equals(n)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown torch dtype '" + name + "'; allowed: bool, uint8, int8, int16, "
                + "int32, int64, float16, bfloat16, float32, float64");
    }

    /** Parses a safetensors dtype string ("F32", "BF16" …). */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported safetensors dtype '" + name + "'; supported: BOOL, U8, I8, I16, "
                + "I32, I64, F16, BF16, F32, F64");
    }
}
