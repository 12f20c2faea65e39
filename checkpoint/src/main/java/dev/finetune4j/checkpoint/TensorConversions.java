package dev.finetune4j.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Element-type casts between floating-point stored tensors (as {@code tensor.to(dtype)} does: round to nearest even,
 * NaN kept NaN) and the content hash used by {@code inspect} and the conformance sidecars.
 */
public final class TensorConversions {
    private TensorConversions() {
    }

    /**
     * Casts a floating-point tensor to another floating-point dtype; returns the tensor itself when the dtype already
     * matches or when either side is not floating point (integer buffers are never cast, as HF's precision hook
     * only matters for float parameters).
     */
    public static StoredTensor cast(StoredTensor t, DType target) {
        if (t.dtype() == target || !t.dtype().isFloatingPoint() || !target.isFloatingPoint()) {
            return t;
        }
        int n = Math.toIntExact(t.numel());
        ByteBuffer src = t.data();
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(n, target.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            if (t.dtype() == DType.FLOAT64 && target == DType.FLOAT32) {
                out.putFloat(i * 4, (float) src.getDouble(i * 8));
                continue;
            }
            double v = t.dtype() == DType.FLOAT64 ? src.getDouble(i * 8) : readFloat(t.dtype(), src, i);
            switch (target) {
                case FLOAT64: out.putDouble(i * 8, v); break;
                case FLOAT32: out.putFloat(i * 4, (float) v); break;
                case BFLOAT16: out.putShort(i * 2, floatToBf16((float) v)); break;
                case FLOAT16: out.putShort(i * 2, floatToHalf((float) v)); break;
                default: throw new IllegalStateException(target.name());
            }
        }
        return new StoredTensor(target, t.shape(), out);
    }

    private static float readFloat(DType dt, ByteBuffer b, int i) {
        switch (dt) {
            case FLOAT32: return b.getFloat(i * 4);
            case BFLOAT16: return bf16ToFloat(b.getShort(i * 2));
            case FLOAT16: return StoredTensor.halfToFloat(b.getShort(i * 2));
            default: throw new IllegalStateException(dt.name());
        }
    }

    /** bfloat16 bits to float (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** float to bfloat16 bits, round to nearest even; NaN stays a quiet NaN (as c10::BFloat16 does). */
    public static short floatToBf16(float f) {
        if (Float.isNaN(f)) {
            return (short) 0x7fc0;
        }
        int bits = Float.floatToRawIntBits(f);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** float to IEEE binary16 bits, round to nearest even, overflow to infinity, NaN kept. */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++;
        }
        return (short) (sign | half);
    }

    /** SHA-256 (lower-case hex) of the tensor's contiguous little-endian element bytes (bool = 1 byte). */
    public static String sha256(StoredTensor t) {
        MessageDigest md = sha256Digest();
        md.update(t.data());
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
