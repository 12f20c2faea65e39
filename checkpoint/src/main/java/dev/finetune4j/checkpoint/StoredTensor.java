package dev.finetune4j.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor as it is stored in a checkpoint file: element type, shape and its elements in row-major order as
 * contiguous little-endian bytes. {@code data} may be a slice of a memory-mapped file (read-only), so a large
 * model is never copied onto the heap just to be read.
 *
 * <p>This is the neutral currency between the checkpoint formats and the engine: readers produce it (making
 * non-contiguous torch views contiguous), writers consume it.
 */
public record StoredTensor(DType dtype, long[] shape, ByteBuffer data) {

    public StoredTensor {
        long n = numel(shape);
        if (data.remaining() != n * dtype.byteSize()) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " and dtype "
                    + dtype.torchName() + " needs " + n * dtype.byteSize() + " bytes, got " + data.remaining());
        }
        shape = shape.clone();
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Number of elements of a shape (1 for a scalar). */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long numel() {
        return numel(shape);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** A read-only little-endian view of the element bytes, positioned at 0. */
    @Override
    public ByteBuffer data() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public long byteSize() {
        return data.remaining();
    }

    /** A float32 tensor on the heap. */
    public static StoredTensor ofFloats(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new StoredTensor(DType.FLOAT32, shape, b);
    }

    /** An int64 tensor on the heap. */
    public static StoredTensor ofLongs(long[] shape, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new StoredTensor(DType.INT64, shape, b);
    }

    /** The elements widened to float32 (bf16/f16/f32/f64 and integer types); for small tensors and tests. */
    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = data();
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case FLOAT32: out[i] = b.getFloat(i * 4); break;
                case FLOAT64: out[i] = (float) b.getDouble(i * 8); break;
                case BFLOAT16: out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16); break;
                case FLOAT16: out[i] = halfToFloat(b.getShort(i * 2)); break;
                case INT64: out[i] = b.getLong(i * 8); break;
                case INT32: out[i] = b.getInt(i * 4); break;
                case INT16: out[i] = b.getShort(i * 2); break;
                case INT8: out[i] = b.get(i); break;
                case UINT8: out[i] = b.get(i) & 0xff; break;
                case BOOL: out[i] = b.get(i) != 0 ? 1f : 0f; break;
                default: throw new IllegalStateException(dtype.name());
            }
        }
        return out;
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredTensor t && t.dtype == dtype && Arrays.equals(t.shape, shape) && t.data().equals(data());
    }

    @Override
    public int hashCode() {
        return 31 * dtype.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "StoredTensor[" + dtype.torchName() + Arrays.toString(shape) + "]";
    }
}
