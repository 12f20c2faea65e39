package dev.finetune4j.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each kernel against a plain-DJL composition of the same formula, values and gradients, in float64. */
class KernelCompositionTest {

    private NDManager m;
    private KernelLibrary k;
    private final Random rnd = new Random(11);

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        k = KernelLibrary.on(Device.cpu());
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private NDArray rand(long... shape) {
        int n = (int) new Shape(shape).size();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextGaussian();
        }
        return m.create(v, new Shape(shape));
    }

    /**
     * Runs {@code kernel} and {@code reference} on copies of {@code inputs} under autograd with the same random
     * upstream gradient, and compares outputs and input gradients.
     */
    private void assertSame(List<NDArray> inputs, Function<NDList, NDArray> kernel, Function<NDList, NDArray> reference,
                            double tol) {
        NDList a = new NDList();
        NDList b = new NDList();
        for (NDArray x : inputs) {
            NDArray x1 = x.duplicate();
            NDArray x2 = x.duplicate();
            if (x.getDataType() == DataType.FLOAT64) {
                x1.setRequiresGradient(true);
                x2.setRequiresGradient(true);
            }
            a.add(x1);
            b.add(x2);
        }
        double[] outA;
        double[] outB;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray ya = kernel.apply(a);
            NDArray yb = reference.apply(b);
            assertEquals(yb.getShape(), ya.getShape());
            NDArray up = rand(ya.getShape().getShape());
            gc.backward(ya.mul(up).sum().add(yb.mul(up).sum()));
            outA = ya.toDoubleArray();
            outB = yb.toDoubleArray();
        }
        assertClose(outB, outA, tol, "output");
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).getDataType() == DataType.FLOAT64) {
                assertClose(b.get(i).getGradient().toDoubleArray(), a.get(i).getGradient().toDoubleArray(), tol,
                        "gradient of input " + i);
            }
        }
    }

    static void assertClose(double[] want, double[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), what + " element " + i);
        }
    }

    @Test
    void rmsNorm() {
        double eps = 1e-5;
        assertSame(List.of(rand(2, 3, 8), rand(8)), in -> k.rmsNorm(in.get(0), in.get(1), eps),
                in -> in.get(0).div(in.get(0).square().mean(new int[] {-1}, true).add(eps).sqrt()).mul(in.get(1)),
                1e-12);
    }

    @Test
    void embeddingIsARowLookupAndPaddingRowGetsNoGradient() {
        NDArray ids = m.create(new long[] {3, 0, 3, 1}, new Shape(2, 2));
        assertSame(List.of(rand(5, 4)), in -> k.embedding(in.get(0), ids, -1),
                in -> ids.oneHot(5).toType(DataType.FLOAT64, false).matMul(in.get(0)), 1e-12);
        NDArray w = rand(5, 4);
        w.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(k.embedding(w, ids, 3).sum());
        }
        double[] g = w.getGradient().toDoubleArray();
        for (int c = 0; c < 4; c++) {
            assertEquals(0.0, g[3 * 4 + c], 0.0);     // padding_idx 3: no gradient
            assertEquals(1.0, g[c], 0.0);             // id 0 used once
        }
    }

    @Test
    void residualAddWithoutDropoutIsASum() {
        assertSame(List.of(rand(2, 3, 4), rand(2, 3, 4)), in -> k.residualAdd(in.get(0), in.get(1), 0.0, true),
                in -> in.get(0).add(in.get(1)), 1e-15);
    }

    @Test
    void siluMul() {
        assertSame(List.of(rand(2, 5, 6), rand(2, 5, 6)), in -> k.siluMul(in.get(0), in.get(1)),
                in -> in.get(0).mul(Activation.sigmoid(in.get(0))).mul(in.get(1)), 1e-12);
    }

    @Test
    void linearAndLoraLinear() {
        assertSame(List.of(rand(2, 3, 4), rand(5, 4), rand(5)), in -> k.linear(in.get(0), in.get(1), in.get(2), false),
                in -> in.get(0).matMul(in.get(1).transpose()).add(in.get(2)), 1e-12);
        NDArray noBias = m.create(new Shape(0), DataType.FLOAT64);
        assertSame(List.of(rand(2, 3, 4), rand(5, 4), rand(2, 4), rand(5, 2)),
                in -> k.loraLinear(in.get(0), in.get(1), noBias, in.get(2), in.get(3), 0.75, 0.0, true, false),
                in -> in.get(0).matMul(in.get(1).transpose())
                        .add(in.get(0).matMul(in.get(2).transpose()).matMul(in.get(3).transpose()).mul(0.75)), 1e-12);
    }

    /** softmax(q kᵀ · scale + mask) v with kv heads repeated consecutively, merged to [b, s, h·d]. */
    private NDArray referenceAttention(NDArray q, NDArray kk, NDArray v, boolean[][][] allowed, int nRep, double scale) {
        long b = q.getShape().get(0);
        long h = q.getShape().get(1);
        long s = q.getShape().get(2);
        long sk = kk.getShape().get(2);
        long d = q.getShape().get(3);
        NDArray kr = repeat(kk, nRep);
        NDArray vr = repeat(v, nRep);
        double[] mask = new double[(int) (b * s * sk)];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < s; i++) {
                for (int j = 0; j < sk; j++) {
                    mask[(int) ((r * s + i) * sk + j)] = allowed[r][i][j] ? 0 : Double.NEGATIVE_INFINITY;
                }
            }
        }
        NDArray scores = q.matMul(kr.transpose(0, 1, 3, 2)).mul(scale)
                .add(m.create(mask, new Shape(b, 1, s, sk)));
        NDArray out = scores.softmax(-1).matMul(vr);
        return out.transpose(0, 2, 1, 3).reshape(b, s, h * d);
    }

    private static NDArray repeat(NDArray x, int nRep) {
        if (nRep == 1) {
            return x;
        }
        long kv = x.getShape().get(1);
        NDList parts = new NDList();
        for (int i = 0; i < kv; i++) {
            NDArray head = x.get(new NDIndex(":, {}:{}", i, i + 1));
            for (int r = 0; r < nRep; r++) {
                parts.add(head);
            }
        }
        return NDArrays.concat(parts, 1);
    }

    @Test
    void causalSdpaWithGqa() {
        int s = 6;
        boolean[][][] allowed = new boolean[2][s][s];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < s; i++) {
                for (int j = 0; j <= i; j++) {
                    allowed[r][i][j] = true;
                }
            }
        }
        double scale = 1 / Math.sqrt(4);
        assertSame(List.of(rand(2, 4, s, 4), rand(2, 2, s, 4), rand(2, 2, s, 4)),
                in -> k.sdpaCausal(in.get(0), in.get(1), in.get(2), 2, 0.0, scale),
                in -> referenceAttention(in.get(0), in.get(1), in.get(2), allowed, 2, scale), 1e-12);
    }

    @Test
    void documentMaskedSdpaWithSlidingWindow() {
        long[] docs = {0, 0, 0, 1, 1, 1, 1, 15};   // two documents, then padding (its own id)
        int s = docs.length;
        int window = 2;
        boolean[][][] allowed = new boolean[1][s][s];
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) {
                allowed[0][i][j] = docs[i] == docs[j] && j <= i && i - j < window;
            }
        }
        NDArray mask = k.documentMask(m.create(docs, new Shape(1, s)), window);
        boolean[] flat = mask.toBooleanArray();
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) {
                assertEquals(allowed[0][i][j], flat[i * s + j], "mask " + i + "," + j);
            }
        }
        double scale = 0.3;
        assertSame(List.of(rand(1, 2, s, 4), rand(1, 1, s, 4), rand(1, 1, s, 4)),
                in -> k.sdpaMasked(in.get(0), in.get(1), in.get(2), mask, 2, 0.0, scale),
                in -> referenceAttention(in.get(0), in.get(1), in.get(2), allowed, 2, scale), 1e-12);
    }

    @Test
    void crossEntropySumShiftsAndIgnores() {
        long[] labels = {5, 1, -100, 3, 0, 2, -100, -100};
        NDArray lab = m.create(labels, new Shape(2, 4));
        assertSame(List.of(rand(2, 4, 7)), in -> k.crossEntropySum(in.get(0), lab), in -> {
            NDArray logp = in.get(0).logSoftmax(-1);
            NDArray total = null;
            for (int r = 0; r < 2; r++) {
                for (int t = 0; t < 3; t++) {
                    long y = labels[r * 4 + t + 1];
                    if (y == -100) {
                        continue;
                    }
                    NDArray term = logp.get(new NDIndex("{}, {}, {}", r, t, y)).neg();
                    total = total == null ? term : total.add(term);
                }
            }
            return total;
        }, 1e-12);
        NDArray perToken = k.crossEntropyTokens(rand(2, 4, 7), lab);
        assertEquals(new Shape(2, 3), perToken.getShape());
        assertEquals(0.0, perToken.toDoubleArray()[1], 0.0);   // label -100 after the shift
    }

    @Test
    void ropeMatchesRotateHalfFormula() {
        int heads = 2;
        int hd = 4;
        NDArray x = rand(1, 3, heads * hd);
        NDArray cos = rand(1, 3, hd);
        NDArray sin = rand(1, 3, hd);
        double[] got = k.rope(x, cos, sin, heads, hd).toDoubleArray(); // [1, heads, 3, hd]
        double[] xv = x.toDoubleArray();
        double[] c = cos.toDoubleArray();
        double[] sn = sin.toDoubleArray();
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < 3; t++) {
                for (int i = 0; i < hd; i++) {
                    double xi = xv[t * heads * hd + h * hd + i];
                    double rot = i < hd / 2 ? -xv[t * heads * hd + h * hd + i + hd / 2]
                            : xv[t * heads * hd + h * hd + i - hd / 2];
                    double want = xi * c[t * hd + i] + rot * sn[t * hd + i];
                    assertEquals(want, got[(h * 3 + t) * hd + i], 1e-12);
                }
            }
        }
    }

    @Test
    void bf16CastsKeepTheGradient() {
        NDArray x = m.create(new float[] {1.5f, -2.25f, 3f}, new Shape(3));
        x.setRequiresGradient(true);
        try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = k.cast(k.cast(x, ScalarType.BFLOAT16), ScalarType.FLOAT32);
            gc.backward(y.mul(m.create(new float[] {1, 2, 3})).sum());
            assertEquals(List.of(1.5f, -2.25f, 3f), List.of(y.toFloatArray()[0], y.toFloatArray()[1],
                    y.toFloatArray()[2]));
        }
        float[] g = x.getGradient().toFloatArray();
        assertEquals(1f, g[0]);
        assertEquals(2f, g[1]);
        assertEquals(3f, g[2]);
    }

    @Test
    void int8QuantizationRoundTripErrorIsWithinHalfAStep() {
        NDArray w = rand(16, 32).toType(DataType.FLOAT32, false);
        NDArray[] q = k.quantize(w);
        assertEquals(DataType.INT8, q[0].getDataType());
        float[] deq = k.dequantize(q[0], q[1], false).toFloatArray();
        float[] orig = w.toFloatArray();
        float[] scale = q[1].toFloatArray();
        for (int r = 0; r < 16; r++) {
            float amax = 0;
            for (int c = 0; c < 32; c++) {
                amax = Math.max(amax, Math.abs(orig[r * 32 + c]));
            }
            assertEquals(amax / 127f, scale[r], 1e-7);
            for (int c = 0; c < 32; c++) {
                float err = Math.abs(deq[r * 32 + c] - orig[r * 32 + c]);
                assertTrue(err <= scale[r] / 2 + 1e-6, "row " + r + " col " + c + " err " + err);
            }
        }
    }
}
