package dev.finetune4j.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Gemma 2's kernels against float64 DJL compositions of the formulas (values and gradients): {@code (1 + w)} RMSNorm,
 * GELU-tanh gate, scaled embedding, soft-capped attention (GQA, document mask with a window, KV-cache mask) and
 * soft-capped chunked cross-entropy.
 */
class Gemma2KernelsTest {

    private NDManager m;
    private KernelLibrary k;
    private final Random rnd = new Random(23);

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        k = KernelLibrary.on(Device.cpu());
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private NDArray rand(double std, long... shape) {
        int n = (int) new Shape(shape).size();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = std * rnd.nextGaussian();
        }
        return m.create(v, new Shape(shape));
    }

    /** Kernel and reference on copies of the inputs, same random upstream gradient; outputs and gradients agree. */
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
            NDArray up = rand(1, ya.getShape().getShape());
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

    private static void assertClose(double[] want, double[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), what + " element " + i);
        }
    }

    @Test
    void rmsNormScalesByOnePlusWeight() {
        double eps = 1e-6;
        assertSame(List.of(rand(1, 2, 3, 8), rand(0.3, 8)), in -> k.rmsNormOnePlus(in.get(0), in.get(1), eps),
                in -> in.get(0).div(in.get(0).square().mean(new int[] {-1}, true).add(eps).sqrt())
                        .mul(in.get(1).add(1.0)), 1e-12);
        // a zero offset is the identity scale (HF initialises Gemma norms to zeros)
        NDArray x = rand(1, 1, 2, 4);
        NDArray y = k.rmsNormOnePlus(x, m.zeros(new Shape(4), DataType.FLOAT64), 0.0);
        double[] xs = x.toDoubleArray();
        double[] ys = y.toDoubleArray();
        for (int r = 0; r < 2; r++) {
            double ms = 0;
            for (int c = 0; c < 4; c++) {
                ms += xs[r * 4 + c] * xs[r * 4 + c] / 4;
            }
            for (int c = 0; c < 4; c++) {
                assertEquals(xs[r * 4 + c] / Math.sqrt(ms), ys[r * 4 + c], 1e-12);
            }
        }
    }

    @Test
    void geluTanhGate() {
        double c = Math.sqrt(2 / Math.PI);
        assertSame(List.of(rand(2, 2, 5, 6), rand(1, 2, 5, 6)), in -> k.geluTanhMul(in.get(0), in.get(1)), in -> {
            NDArray g = in.get(0);
            NDArray inner = g.add(g.pow(3).mul(0.044715)).mul(c).tanh().add(1.0);
            return g.mul(inner).mul(0.5).mul(in.get(1));
        }, 1e-12);
    }

    @Test
    void scaledEmbeddingRoundsTheScaleToTheEmbeddingDtype() {
        NDArray ids = m.create(new long[] {3, 0, 2, 1}, new Shape(2, 2));
        double scale = Math.sqrt(3072);
        assertSame(List.of(rand(1, 5, 4)), in -> k.scaleInDtype(k.embedding(in.get(0), ids, -1), scale),
                in -> ids.oneHot(5).toType(DataType.FLOAT64, false).matMul(in.get(0)).mul(scale), 1e-12);
        NDArray w = m.ones(new Shape(5, 4), DataType.FLOAT32);
        float got = k.scaleInDtype(k.embedding(w, ids, -1), scale).toFloatArray()[0];
        assertEquals((float) scale, got, 0f);   // sqrt(3072) as float32, as HF's normalizer in float32
        // bf16 embeddings (bf16 master weights): HF's normalizer becomes a bf16 tensor, sqrt(3584) = 59.87 -> 59.75
        NDArray bf16 = k.cast(m.ones(new Shape(2, 2), DataType.FLOAT32), ScalarType.BFLOAT16);
        float rounded = k.cast(k.scaleInDtype(bf16, Math.sqrt(3584)), ScalarType.FLOAT32).toFloatArray()[0];
        assertEquals(59.75f, rounded, 0f);
    }

    @Test
    void softcapBendsLargeValues() {
        assertSame(List.of(rand(3, 4, 5)), in -> k.softcap(in.get(0), 1.5),
                in -> in.get(0).div(1.5).tanh().mul(1.5), 1e-13);
        double[] capped = k.softcap(m.create(new double[] {100.0, -100.0}), 2.0).toDoubleArray();
        assertEquals(2.0, capped[0], 1e-12);
        assertEquals(-2.0, capped[1], 1e-12);
    }

    /** softmax(cap·tanh(q kᵀ·scale / cap) + mask) v, kv heads repeated consecutively, merged to [b, s, h·d]. */
    private NDArray reference(NDArray q, NDArray kk, NDArray v, boolean[][] allowed, int nRep, double scale,
                              double cap) {
        long b = q.getShape().get(0);
        long h = q.getShape().get(1);
        long s = q.getShape().get(2);
        long sk = kk.getShape().get(2);
        long d = q.getShape().get(3);
        double[] mask = new double[(int) (s * sk)];
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < sk; j++) {
                mask[(int) (i * sk + j)] = allowed[i][j] ? 0 : Double.NEGATIVE_INFINITY;
            }
        }
        NDArray scores = q.matMul(repeat(kk, nRep).transpose(0, 1, 3, 2)).mul(scale).div(cap).tanh().mul(cap)
                .add(m.create(mask, new Shape(1, 1, s, sk)));
        return scores.softmax(-1).matMul(repeat(v, nRep)).transpose(0, 2, 1, 3).reshape(b, s, h * d);
    }

    private static NDArray repeat(NDArray x, int nRep) {
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
    void softcappedAttentionWithGqaDocumentsAndWindow() {
        long[] docs = {0, 0, 0, 0, 0, 1, 1, 1, 20};   // two documents, the first longer than the window, padding
        int s = docs.length;
        int window = 3;
        boolean[][] allowed = new boolean[s][s];
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) {
                allowed[i][j] = docs[i] == docs[j] && j <= i && i - j < window;
            }
        }
        NDArray mask = k.documentMask(m.create(docs, new Shape(1, s)), window);
        double scale = 1 / Math.sqrt(12);
        double cap = 0.8;   // q·k·scale reach several caps: tanh far from linear
        assertSame(List.of(rand(2, 1, 4, s, 8), rand(2, 1, 2, s, 8), rand(1, 1, 2, s, 8)),
                in -> k.sdpaSoftcap(in.get(0), in.get(1), in.get(2), mask, 2, 0.0, scale, cap),
                in -> reference(in.get(0), in.get(1), in.get(2), allowed, 2, scale, cap), 1e-12);
    }

    @Test
    void softcappedAttentionAgainstACache() {
        int past = 5;
        int q = 2;
        int window = 3;
        boolean[][] allowed = new boolean[q][past + q];
        for (int i = 0; i < q; i++) {
            for (int j = 0; j < past + q; j++) {
                allowed[i][j] = j <= past + i && past + i - j < window;
            }
        }
        NDArray mask = k.cacheMask(q, past + q, window, rand(1, 1));
        assertSame(List.of(rand(2, 1, 4, q, 8), rand(2, 1, 1, past + q, 8), rand(1, 1, 1, past + q, 8)),
                in -> k.sdpaSoftcap(in.get(0), in.get(1), in.get(2), mask, 4, 0.0, 0.25, 1.0),
                in -> reference(in.get(0), in.get(1), in.get(2), allowed, 4, 0.25, 1.0), 1e-12);
    }

    @Test
    void chunkedCrossEntropyAppliesTheFinalSoftcap() {
        long[] labels = {-100, 1, 4, 3, 0, -100, 2, 5};
        NDArray lab = m.create(labels, new Shape(2, 4));
        double cap = 1.5;
        NDArray weight = rand(2, 6, 3);
        Function<NDList, NDArray> ref = in -> {
            NDArray logp = in.get(0).matMul(weight.transpose()).div(cap).tanh().mul(cap).logSoftmax(-1);
            NDArray total = null;
            for (int r = 0; r < 2; r++) {
                for (int t = 0; t < 3; t++) {
                    long y = labels[r * 4 + t + 1];
                    if (y != -100) {
                        NDArray term = logp.get(new NDIndex("{}, {}, {}", r, t, y)).neg();
                        total = total == null ? term : total.add(term);
                    }
                }
            }
            return total;
        };
        NDArray h = rand(1, 2, 4, 3);
        // chunks of 2 tokens: the cap is applied in every chunk, the surrogate's gradient is the capped loss's
        assertSame(List.of(h), in -> k.crossEntropySurrogate(in.get(0), weight, lab, 2, false, false, cap), ref,
                1e-12);
        double chunked = k.crossEntropyChunks(h, weight, lab, 2, 1.0, false, KernelLibrary.ChunkedBackward.NONE,
                false, cap)[0].toDoubleArray()[0];
        double uncapped = k.crossEntropyChunks(h, weight, lab, 2, 1.0, false, KernelLibrary.ChunkedBackward.NONE,
                false)[0].toDoubleArray()[0];
        assertEquals(ref.apply(new NDList(h)).toDoubleArray()[0], chunked, 1e-12);
        assertTrue(Math.abs(chunked - uncapped) > 1e-3, "the cap changes the loss: " + chunked + " vs " + uncapped);
    }
}
