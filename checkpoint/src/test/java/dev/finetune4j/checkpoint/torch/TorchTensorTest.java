package dev.finetune4j.checkpoint.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class TorchTensorTest {
    private static ByteBuffer iota(int n) {
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(i * 4, i);
        }
        return b;
    }

    /** Element-by-element reference of a strided view. */
    private static float[] reference(long offset, long[] shape, long[] stride) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] out = new float[n];
        for (int k = 0; k < n; k++) {
            long rem = k;
            long pos = offset;
            for (int d = shape.length - 1; d >= 0; d--) {
                pos += (rem % shape[d]) * stride[d];
                rem /= shape[d];
            }
            out[k] = pos;
        }
        return out;
    }

    @Test
    void stridedViewsBecomeRowMajor() {
        long[][][] cases = {
            {{2, 3, 4}, {1, 2, 6}},      // fully permuted
            {{3, 2, 4}, {8, 4, 1}},      // permuted outer dims, dense last dim (run copy)
            {{2, 2}, {12, 1}},           // narrowed rows
            {{4, 1}, {1, 7}},            // size-1 dim with odd stride
            {{3, 5}, {0, 1}},            // broadcast rows
        };
        for (long[][] c : cases) {
            TorchTensor t = new TorchTensor(iota(32), "0", "FloatStorage", DType.FLOAT32, 32, 1, c[0], c[1], false,
                    false);
            t.checkBounds("t");
            assertArrayEquals(reference(1, c[0], c[1]), t.toStored().toFloatArray(), java.util.Arrays.toString(c[1]));
        }
        TorchTensor contiguous = new TorchTensor(iota(24), "0", "FloatStorage", DType.FLOAT32, 24, 4,
                new long[] {2, 3}, new long[] {3, 1}, false, false);
        assertTrue(contiguous.isContiguous());
        assertEquals(4f, contiguous.toStored().toFloatArray()[0]);
    }

    @Test
    void viewsOutsideTheirStorageAreRejected() {
        TorchTensor t = new TorchTensor(iota(6), "0", "FloatStorage", DType.FLOAT32, 6, 1, new long[] {2, 3},
                new long[] {3, 1}, false, false);
        assertTrue(assertThrows(CheckpointFormatException.class, () -> t.checkBounds("f")).getMessage()
                .contains("past the end of storage '0'"));
        TorchTensor neg = new TorchTensor(iota(6), "0", "FloatStorage", DType.FLOAT32, 6, 0, new long[] {2},
                new long[] {-1}, false, false);
        assertThrows(CheckpointFormatException.class, () -> neg.checkBounds("f"));
    }
}
