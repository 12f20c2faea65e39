package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.kernel.ScalarType;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.checkpoint.TensorConversions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Conversions between {@link StoredTensor} (checkpoint bytes) and DJL arrays. Floating-point tensors become float32
 * arrays with their own storage (a mapped file is read once, never aliased). bf16/fp16 are widened in Java, one tensor
 * at a time into a direct buffer: DJL's own bf16 dtype mapping aborts the JVM and TorchScript cannot reinterpret bits
 * ({@code view(dtype)} is not scriptable).
 */
public final class Tensors {

    private Tensors() {
    }

    /** A float32 array on {@code manager}'s device holding {@code t}'s values (any floating dtype). */
    public static NDArray toFloat32(NDManager manager, StoredTensor t, String name) {
        Shape shape = new Shape(t.shape());
        ByteBuffer data = t.dtype() == DType.FLOAT32 || t.dtype() == DType.FLOAT64 ? direct(t.data()) : null;
        KernelLibrary k = KernelLibrary.on(manager.getDevice());
        switch (t.dtype()) {
            case FLOAT32:
            case FLOAT64: {
                try (NDArray raw = manager.create(data, shape, t.dtype() == DType.FLOAT32 ? DataType.FLOAT32
                        : DataType.FLOAT64)) {
                    return k.floatCopy(raw);
                }
            }
            case BFLOAT16:
            case FLOAT16:
                return manager.create(widen(t), shape, DataType.FLOAT32);
            default:
                throw new StateDictException("tensor '" + name + "' has dtype " + t.dtype().torchName()
                        + "; model weights must be float32, float64, bfloat16 or float16");
        }
    }

    /**
     * Copies a float32, float64 or bfloat16 array out as a StoredTensor of {@code dtype} (float32, bfloat16 or
     * float16). A bf16 array is widened by a kernel first: DJL must never see its dtype (docs/djl.md); a float64 one
     * (an FP64 model) is rounded to float32 the same way.
     */
    @SuppressWarnings("try")
    public static StoredTensor toStored(NDArray x, DType dtype) {
        long[] shape = x.getShape().getShape();
        try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
            KernelLibrary k = KernelLibrary.of(x);
            ScalarType st = k.scalarType(x);
            NDArray f = st == ScalarType.BFLOAT16 || st == ScalarType.FLOAT64 ? k.floatCopy(x) : x;
            switch (dtype) {
                case FLOAT32: {
                    ByteBuffer b = f.toByteBuffer();
                    return new StoredTensor(DType.FLOAT32, shape, heapCopy(b));
                }
                case BFLOAT16:
                case FLOAT16:
                    return TensorConversions.cast(new StoredTensor(DType.FLOAT32, shape, heapCopy(f.toByteBuffer())),
                            dtype);
                default:
                    throw new IllegalArgumentException("weights can be saved as float32, bfloat16 or float16, not "
                            + dtype.torchName());
            }
        }
    }

    private static ByteBuffer heapCopy(ByteBuffer b) {
        ByteBuffer out = ByteBuffer.allocate(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        out.put(b.duplicate().order(ByteOrder.LITTLE_ENDIAN));
        out.flip();
        return out;
    }

    /** bf16/fp16 elements widened to float32 in a fresh direct buffer (owned by the array created from it). */
    private static ByteBuffer widen(StoredTensor t) {
        int n = Math.toIntExact(t.numel());
        ByteBuffer src = t.data();
        ByteBuffer out = ByteBuffer.allocateDirect(Math.multiplyExact(n, 4)).order(ByteOrder.nativeOrder());
        boolean bf16 = t.dtype() == DType.BFLOAT16;
        for (int i = 0; i < n; i++) {
            short s = src.getShort(i * 2);
            out.putFloat(i * 4, bf16 ? TensorConversions.bf16ToFloat(s) : StoredTensor.halfToFloat(s));
        }
        return out;
    }

    /**
     * A direct buffer with the bytes of {@code b}: b itself when it already is direct (a mapped file, possibly
     * read-only — callers clone the array made from it at once, so it is never written), else a copy.
     */
    static ByteBuffer direct(ByteBuffer b) {
        if (b.isDirect() && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            return b.order(ByteOrder.nativeOrder());
        }
        ByteBuffer out = ByteBuffer.allocateDirect(b.remaining()).order(ByteOrder.nativeOrder());
        out.put(b.duplicate());
        out.flip();
        return out;
    }
}
