package dev.finetune4j.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Phi-3 kernels (fused projections' splits, scaled and partial RoPE) against float64 formulas written out here. */
class Phi3KernelsTest {

    private NDManager m;
    private KernelLibrary k;
    private final Random rnd = new Random(5);

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        k = KernelLibrary.on(Device.cpu());
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private double[] gaussian(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextGaussian();
        }
        return v;
    }

    @Test
    void splitQkvTakesQThenKThenVAndPassesGradientsBack() {
        int q = 6;
        int kv = 2;
        double[] x = gaussian(2 * 3 * (q + 2 * kv));
        NDArray in = m.create(x, new Shape(2, 3, q + 2 * kv));
        in.setRequiresGradient(true);
        double[] weights = gaussian(q + 2 * kv);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray[] parts = k.splitQkv(in, q, kv);
            assertEquals(3, parts.length);
            assertEquals(new Shape(2, 3, q), parts[0].getShape());
            assertEquals(new Shape(2, 3, kv), parts[1].getShape());
            assertEquals(new Shape(2, 3, kv), parts[2].getShape());
            int[] start = {0, q, q + kv};
            for (int p = 0; p < 3; p++) {
                double[] got = parts[p].toDoubleArray();
                int width = p == 0 ? q : kv;
                for (int r = 0; r < 6; r++) {
                    for (int c = 0; c < width; c++) {
                        assertEquals(x[r * (q + 2 * kv) + start[p] + c], got[r * width + c], 0.0);
                    }
                }
            }
            // loss = Σ_p Σ parts[p] · w[start_p + c]: the gradient of the fused input is w at each column
            NDArray loss = parts[0].mul(m.create(java.util.Arrays.copyOfRange(weights, 0, q))).sum()
                    .add(parts[1].mul(m.create(java.util.Arrays.copyOfRange(weights, q, q + kv))).sum())
                    .add(parts[2].mul(m.create(java.util.Arrays.copyOfRange(weights, q + kv, q + 2 * kv))).sum());
            gc.backward(loss);
        }
        double[] g = in.getGradient().toDoubleArray();
        for (int r = 0; r < 6; r++) {
            for (int c = 0; c < q + 2 * kv; c++) {
                assertEquals(weights[c], g[r * (q + 2 * kv) + c], 1e-15);
            }
        }
    }

    @Test
    void gateUpSiluIsUpTimesSiluOfTheFirstHalf() {
        int inter = 5;
        double[] x = gaussian(4 * 2 * inter);
        NDArray in = m.create(x, new Shape(2, 2, 2 * inter));
        in.setRequiresGradient(true);
        double[] got;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = k.gateUpSilu(in, inter);
            assertEquals(new Shape(2, 2, inter), y.getShape());
            got = y.toDoubleArray();
            gc.backward(y.sum());
        }
        double[] g = in.getGradient().toDoubleArray();
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < inter; c++) {
                double gate = x[r * 2 * inter + c];
                double up = x[r * 2 * inter + inter + c];
                double sig = 1 / (1 + Math.exp(-gate));
                assertEquals(up * gate * sig, got[r * inter + c], 1e-14);
                assertEquals(up * (sig + gate * sig * (1 - sig)), g[r * 2 * inter + c], 1e-13);   // d/d gate
                assertEquals(gate * sig, g[r * 2 * inter + inter + c], 1e-14);                     // d/d up
            }
        }
    }

    @Test
    void scaledTablesAreFactorTimesCosAndSin() {
        double[] inv = {1.0, 0.1, 0.01};
        int[] pos = {0, 4, 9};
        NDArray[] t = k.ropeTablesScaled(m.create(pos, new Shape(1, 3)), m.create(inv), 1.375);
        double[] cos = t[0].toDoubleArray();
        double[] sin = t[1].toDoubleArray();
        for (int n = 0; n < 3; n++) {
            for (int i = 0; i < 6; i++) {
                double f = pos[n] * inv[i % 3];
                assertEquals(1.375 * Math.cos(f), cos[n * 6 + i], 1e-15);
                assertEquals(1.375 * Math.sin(f), sin[n * 6 + i], 1e-15);
            }
        }
    }

    @Test
    void partialRopeRotatesTheFirstRotaryDimsAndPassesTheRestThrough() {
        int heads = 2;
        int hd = 8;
        int rot = 4;
        int seq = 3;
        double[] x = gaussian(seq * heads * hd);
        double[] inv = {0.5, 0.05};
        int[] pos = {0, 2, 7};
        NDArray[] t = k.ropeTables(m.create(pos, new Shape(1, seq)), m.create(inv));
        double[] got = k.ropePartial(m.create(x, new Shape(1, seq, heads * hd)), t[0], t[1], heads, hd, rot)
                .toDoubleArray();
        assertArrayEquals(new long[] {1, heads, seq, hd},
                k.ropePartial(m.create(x, new Shape(1, seq, heads * hd)), t[0], t[1], heads, hd, rot).getShape()
                        .getShape());
        for (int h = 0; h < heads; h++) {
            for (int s = 0; s < seq; s++) {
                double[] v = java.util.Arrays.copyOfRange(x, (s * heads + h) * hd, (s * heads + h + 1) * hd);
                for (int i = 0; i < hd; i++) {
                    double want;
                    if (i < rot) {
                        double f = pos[s] * inv[i % (rot / 2)];
                        double rotated = i < rot / 2 ? -v[i + rot / 2] : v[i - rot / 2];
                        want = v[i] * Math.cos(f) + rotated * Math.sin(f);
                    } else {
                        want = v[i];
                    }
                    assertEquals(want, got[(h * seq + s) * hd + i], 1e-14, "head " + h + " pos " + s + " dim " + i);
                }
            }
        }
    }
}
