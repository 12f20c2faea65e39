package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** RoPE tables against the formulas of docs/training.md §12.3, written out independently here. */
class RopeTest {

    @Test
    void defaultTablesAreCosSinOfPositionTimesInvFreqOverBothHalves() {
        Rope rope = new Rope(8, 10000.0, null, 2048);
        int[] pos = {0, 3, 17};
        float[] cos;
        float[] sin;
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            ai.djl.ndarray.NDArray[] t = dev.finetune4j.engine.kernel.KernelLibrary.on(ai.djl.Device.cpu()).ropeTables(
                    m.create(pos, new ai.djl.ndarray.types.Shape(1, 3)), m.create(rope.invFreqFor(17)));
            cos = t[0].toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
            sin = t[1].toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        }
        for (int n = 0; n < 3; n++) {
            for (int i = 0; i < 8; i++) {
                double inv = 1.0 / Math.pow(10000.0, (2.0 * (i % 4)) / 8);
                assertEquals(Math.cos(pos[n] * inv), cos[n * 8 + i], 1e-6);
                assertEquals(Math.sin(pos[n] * inv), sin[n * 8 + i], 1e-6);
            }
        }
    }

    @Test
    void llama3ScalingKeepsHighFrequenciesDividesLowOnesAndSmoothsBetween() {
        int dim = 128;
        double theta = 500000.0;
        RopeScaling s = new RopeScaling(RopeScaling.LLAMA3, 8.0, 1.0, 4.0, 8192);
        double[] got = new Rope(dim, theta, s, 131072).invFreqFor(10);
        int high = 0;
        int low = 0;
        int mid = 0;
        for (int i = 0; i < dim / 2; i++) {
            double inv = 1.0 / Math.pow(theta, 2.0 * i / dim);
            double wavelen = 2 * Math.PI / inv;
            double want;
            if (wavelen < 8192 / 4.0) {
                want = inv;
                high++;
            } else if (wavelen > 8192 / 1.0) {
                want = inv / 8.0;
                low++;
            } else {
                double smooth = (8192 / wavelen - 1.0) / (4.0 - 1.0);
                want = (1 - smooth) * inv / 8.0 + smooth * inv;
                mid++;
            }
            assertEquals(want, got[i], 1e-15 + 1e-12 * want, "inv_freq " + i);
        }
        // all three regimes are exercised
        assertEquals(64, high + low + mid);
        assertEquals(true, high > 0 && low > 0 && mid > 0);
    }

    @Test
    void linearAndDynamicScaling() {
        double[] linear = new Rope(8, 10000.0, new RopeScaling(RopeScaling.LINEAR, 4.0, 0, 0, 0), 2048).invFreqFor(5);
        assertEquals(1.0 / 4.0, linear[0], 1e-15);
        Rope dyn = new Rope(8, 10000.0, new RopeScaling(RopeScaling.DYNAMIC, 2.0, 0, 0, 0), 16);
        assertEquals(1.0, dyn.invFreqFor(15)[0], 0.0);          // within max_position_embeddings: unchanged
        double base = 10000.0 * Math.pow(2.0 * 32 / 16 - 1, 8 / 6.0);
        assertEquals(1.0 / Math.pow(base, 2.0 / 8), dyn.invFreqFor(31)[1], 1e-15);
    }
}
