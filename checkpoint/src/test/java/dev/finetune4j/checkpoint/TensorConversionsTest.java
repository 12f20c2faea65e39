package dev.finetune4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TensorConversionsTest {

    /** Reference: exact rounding computed in double arithmetic over all candidates. */
    private static short bf16Reference(float f) {
        if (Float.isNaN(f)) {
            return (short) 0x7fc0;
        }
        int bits = Float.floatToRawIntBits(f);
        short lo = (short) (bits >>> 16);
        short hi = (short) ((bits >>> 16) + 1);
        double dl = Math.abs((double) TensorConversions.bf16ToFloat(lo) - f);
        double dh = Math.abs((double) TensorConversions.bf16ToFloat(hi) - f);
        if (Float.isInfinite(TensorConversions.bf16ToFloat(hi)) && !Float.isInfinite(f)) {
            // overflow rounding: compare against the value 2^128 would have
            dh = Math.abs(Math.copySign(Math.pow(2, 128), f) - f);
        }
        if (dl < dh) {
            return lo;
        }
        if (dh < dl) {
            return hi;
        }
        return (lo & 1) == 0 ? lo : hi;
    }

    @Test
    void bf16RoundsToNearestEven() {
        Random r = new Random(1);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(f) || Float.isInfinite(f)) {
                continue;
            }
            assertEquals(bf16Reference(f), TensorConversions.floatToBf16(f), "value " + f);
        }
        assertEquals((short) 0x3f80, TensorConversions.floatToBf16(1f));
        assertEquals((short) 0x7fc0, TensorConversions.floatToBf16(Float.NaN));
    }

    @Test
    void halfRoundTripsEveryHalfValueAndRoundsTies() {
        for (int h = 0; h < 0x10000; h++) {
            float f = StoredTensor.halfToFloat((short) h);
            if (Float.isNaN(f)) {
                continue;
            }
            assertEquals((short) h, TensorConversions.floatToHalf(f), "half bits " + Integer.toHexString(h));
        }
        // 1 + 2^-11 is halfway between 1 and 1+2^-10: ties to even -> 1
        assertEquals((short) 0x3c00, TensorConversions.floatToHalf(1f + 0x1p-11f));
        assertEquals((short) 0x3c02, TensorConversions.floatToHalf(1f + 3 * 0x1p-11f));
        assertEquals((short) 0x7c00, TensorConversions.floatToHalf(70000f));
        assertEquals((short) 0x0001, TensorConversions.floatToHalf(0x1p-24f));
        assertEquals((short) 0x0000, TensorConversions.floatToHalf(0x1p-26f));
    }

    @Test
    void castKeepsIntegersAndConvertsFloats() {
        StoredTensor f = StoredTensor.ofFloats(new long[] {2}, new float[] {1.5f, -2.25f});
        StoredTensor b = TensorConversions.cast(f, DType.BFLOAT16);
        assertEquals(DType.BFLOAT16, b.dtype());
        assertEquals(1.5f, b.toFloatArray()[0]);
        assertEquals(-2.25f, b.toFloatArray()[1]);
        StoredTensor i = StoredTensor.ofLongs(new long[] {1}, new long[] {7});
        assertEquals(i, TensorConversions.cast(i, DType.BFLOAT16));
        StoredTensor d = TensorConversions.cast(f, DType.FLOAT64);
        assertEquals(-2.25, d.data().order(ByteOrder.LITTLE_ENDIAN).getDouble(8));
    }

    @Test
    void sha256OfKnownBytes() {
        StoredTensor t = new StoredTensor(DType.UINT8, new long[] {3}, ByteBuffer.wrap("abc".getBytes()));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", TensorConversions.sha256(t));
    }
}
