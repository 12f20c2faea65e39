package dev.finetune4j.checkpoint.torch;

import dev.finetune4j.checkpoint.DType;
import java.util.Map;

/**
 * A pickled torch storage class such as {@code torch.FloatStorage}; {@code dtype} is null for
 * {@code UntypedStorage} (its dtype comes from {@code _rebuild_tensor_v3}) and for the complex storages, which this
 * module does not load.
 */
record StorageType(String name, DType dtype) {
    static final Map<String, DType> TYPED = Map.ofEntries(
            Map.entry("FloatStorage", DType.FLOAT32), Map.entry("DoubleStorage", DType.FLOAT64),
            Map.entry("HalfStorage", DType.FLOAT16), Map.entry("BFloat16Storage", DType.BFLOAT16),
            Map.entry("LongStorage", DType.INT64), Map.entry("IntStorage", DType.INT32),
            Map.entry("ShortStorage", DType.INT16), Map.entry("CharStorage", DType.INT8),
            Map.entry("ByteStorage", DType.UINT8), Map.entry("BoolStorage", DType.BOOL));

    /** All storage class names torch pickles (typed, untyped, complex, quantized). */
    static boolean isStorageClass(String name) {
        return TYPED.containsKey(name) || name.equals("UntypedStorage") || name.equals("ComplexFloatStorage")
                || name.equals("ComplexDoubleStorage") || name.equals("QInt8Storage") || name.equals("QUInt8Storage")
                || name.equals("QInt32Storage") || name.equals("QUInt4x2Storage") || name.equals("QUInt2x4Storage")
                || name.equals("_UntypedStorage") || name.equals("TypedStorage");
    }

    /** The storage class for a dtype (what the writer pickles). */
    static String forDType(DType d) {
        for (Map.Entry<String, DType> e : TYPED.entrySet()) {
            if (e.getValue() == d) {
                return e.getKey();
            }
        }
        throw new IllegalArgumentException(d.name());
    }
}
