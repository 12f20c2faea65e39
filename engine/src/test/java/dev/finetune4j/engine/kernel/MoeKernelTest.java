package dev.finetune4j.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sparse-MoE kernels in float64 against formulas written out here: dispatching tokens per expert equals running
 * every expert on every token weighted by the renormalised top-k router probabilities (values and gradients, the
 * router's included), ties pick the lower expert index, and the load-balancing loss equals HF's formula.
 */
class MoeKernelTest {

    private NDManager m;
    private KernelLibrary k;
    private final Random rnd = new Random(17);

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        k = KernelLibrary.on(Device.cpu());
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private double[] gaussian(int n, double std) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = std * rnd.nextGaussian();
        }
        return v;
    }

    private NDArray param(double[] v, long... shape) {
        NDArray a = m.create(v, new Shape(shape));
        a.setRequiresGradient(true);
        return a;
    }

    /** The k largest of {@code p} (ties: lower index first), as a Java reference. */
    private static int[] topK(double[] p, int kk) {
        int[] idx = new int[kk];
        boolean[] used = new boolean[p.length];
        for (int j = 0; j < kk; j++) {
            int best = -1;
            for (int e = 0; e < p.length; e++) {
                if (!used[e] && (best < 0 || p[e] > p[best])) {
                    best = e;
                }
            }
            used[best] = true;
            idx[j] = best;
        }
        return idx;
    }

    private static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double s = 0;
        double[] p = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - max);
            s += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= s;
        }
        return p;
    }

    @Test
    void dispatchedExpertsEqualTheDenseMixtureInValuesAndGradients() {
        int b = 2;
        int s = 5;
        int h = 6;
        int inter = 4;
        int e = 4;
        int kk = 2;
        double[] xv = gaussian(b * s * h, 1);
        double[] gv = gaussian(e * h, 0.8);
        List<double[]> w1v = new ArrayList<>();
        List<double[]> w3v = new ArrayList<>();
        List<double[]> w2v = new ArrayList<>();
        for (int i = 0; i < e; i++) {
            w1v.add(gaussian(inter * h, 0.5));
            w3v.add(gaussian(inter * h, 0.5));
            w2v.add(gaussian(h * inter, 0.5));
        }
        double[] up = gaussian(b * s * h, 1);
        // kernel path
        NDArray x1 = param(xv, b, s, h);
        NDArray g1 = param(gv, e, h);
        List<NDArray[]> ex1 = experts(w1v, w3v, w2v, inter, h);
        double[] out1;
        int[] picks;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logits = k.linear(x1, g1, m.create(new double[0]), false);
            NDArray[] route = k.moeRoute(logits, kk, x1);
            picks = toInts(route[1].toLongArray());
            NDArray[] positions = k.moeDispatch(route[1], e);
            List<NDArray> ys = new ArrayList<>();
            List<NDArray> ps = new ArrayList<>();
            for (int i = 0; i < e; i++) {
                if (positions[i].getShape().size() == 0) {
                    continue;
                }
                NDArray xi = k.moeGather(x1, positions[i], kk);
                NDArray[] w = ex1.get(i);
                NDArray act = k.siluMul(xi.matMul(w[0].transpose()), xi.matMul(w[1].transpose()));
                ys.add(act.matMul(w[2].transpose()));
                ps.add(positions[i]);
            }
            NDArray out = k.moeCombine(x1, ys, ps, route[0], kk);
            assertEquals(new Shape(b, s, h), out.getShape());
            gc.backward(out.mul(m.create(up, new Shape(b, s, h))).sum());
            out1 = out.toDoubleArray();
        }
        // dense reference: every expert on every token, weight = renormalised top-k probability or 0
        NDArray x2 = param(xv, b, s, h);
        NDArray g2 = param(gv, e, h);
        List<NDArray[]> ex2 = experts(w1v, w3v, w2v, inter, h);
        double[] out2;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray probs = x2.reshape(b * s, h).matMul(g2.transpose()).softmax(1);
            double[] pv = probs.toDoubleArray();
            double[] keep = new double[b * s * e];
            for (int t = 0; t < b * s; t++) {
                double[] row = java.util.Arrays.copyOfRange(pv, t * e, t * e + e);
                int[] top = topK(row, kk);
                for (int j = 0; j < kk; j++) {
                    keep[t * e + top[j]] = 1;
                    assertEquals(top[j], picks[t * kk + j], "token " + t + " pick " + j);
                }
            }
            NDArray kept = probs.mul(m.create(keep, new Shape(b * s, e)));
            NDArray w = kept.div(kept.sum(new int[] {1}, true));
            NDArray xf = x2.reshape(b * s, h);
            NDArray out = null;
            for (int i = 0; i < e; i++) {
                NDArray[] wi = ex2.get(i);
                NDArray a = xf.matMul(wi[0].transpose());
                NDArray y = a.mul(a.getNDArrayInternal().sigmoid()).mul(xf.matMul(wi[1].transpose()))
                        .matMul(wi[2].transpose()).mul(w.get(":, " + i).reshape(b * s, 1));
                out = out == null ? y : out.add(y);
            }
            out = out.reshape(b, s, h);
            gc.backward(out.mul(m.create(up, new Shape(b, s, h))).sum());
            out2 = out.toDoubleArray();
        }
        assertClose(out2, out1, "output");
        assertClose(x2.getGradient().toDoubleArray(), x1.getGradient().toDoubleArray(), "gradient of x");
        assertClose(g2.getGradient().toDoubleArray(), g1.getGradient().toDoubleArray(), "gradient of the router");
        for (int i = 0; i < e; i++) {
            for (int j = 0; j < 3; j++) {
                assertClose(ex2.get(i)[j].getGradient().toDoubleArray(), ex1.get(i)[j].getGradient().toDoubleArray(),
                        "gradient of expert " + i + " weight " + j);
            }
        }
    }

    @Test
    void oneCallForAllExpertsEqualsTheCallPerExpert() {
        int h = 6;
        int inter = 5;
        int e = 5;
        int kk = 2;
        double[] xv = gaussian(2 * 7 * h, 1);
        double[] gv = gaussian(e * h, 1.0);
        List<double[]> w1v = new ArrayList<>();
        List<double[]> w3v = new ArrayList<>();
        List<double[]> w2v = new ArrayList<>();
        for (int i = 0; i < e; i++) {
            w1v.add(gaussian(inter * h, 0.5));
            w3v.add(gaussian(inter * h, 0.5));
            w2v.add(gaussian(h * inter, 0.5));
        }
        double[] up = gaussian(2 * 7 * h, 1);
        double[][] outs = new double[2][];
        List<List<double[]>> grads = new ArrayList<>();
        for (int variant = 0; variant < 2; variant++) {
            NDArray x = param(xv, 2, 7, h);
            NDArray g = param(gv, e, h);
            List<NDArray[]> ex = experts(w1v, w3v, w2v, inter, h);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray[] route = k.moeRoute(k.linear(x, g, m.create(new double[0]), false), kk, x);
                NDArray[] positions = k.moeDispatch(route[1], e);
                NDArray out;
                if (variant == 0) {
                    List<NDArray> ys = new ArrayList<>();
                    List<NDArray> ps = new ArrayList<>();
                    for (int i = 0; i < e; i++) {
                        if (positions[i].getShape().size() > 0) {
                            NDArray xi = k.moeGather(x, positions[i], kk);
                            NDArray empty = m.create(new double[0]);
                            NDArray act = k.siluMul(k.linear(xi, ex.get(i)[0], empty, false),
                                    k.linear(xi, ex.get(i)[1], empty, false));
                            ys.add(k.linear(act, ex.get(i)[2], empty, false));
                            ps.add(positions[i]);
                        }
                    }
                    out = k.moeCombine(x, ys, ps, route[0], kk);
                } else {
                    List<NDArray> w1 = new ArrayList<>();
                    List<NDArray> w3 = new ArrayList<>();
                    List<NDArray> w2 = new ArrayList<>();
                    for (NDArray[] w : ex) {
                        w1.add(w[0]);
                        w3.add(w[1]);
                        w2.add(w[2]);
                    }
                    out = k.moeExperts(x, List.of(positions), w1, w3, w2, route[0], kk, 0.0, true, false);
                }
                gc.backward(out.mul(m.create(up, new Shape(2, 7, h))).sum());
                outs[variant] = out.toDoubleArray();
            }
            List<double[]> gs = new ArrayList<>(List.of(x.getGradient().toDoubleArray(),
                    g.getGradient().toDoubleArray()));
            for (NDArray[] w : ex) {
                for (NDArray a : w) {
                    gs.add(a.hasGradient() && a.getGradient() != null ? a.getGradient().toDoubleArray()
                            : new double[(int) a.size()]);
                }
            }
            grads.add(gs);
        }
        assertClose(outs[0], outs[1], "output");
        for (int i = 0; i < grads.get(0).size(); i++) {
            assertClose(grads.get(0).get(i), grads.get(1).get(i), "gradient " + i);
        }
    }

    private List<NDArray[]> experts(List<double[]> w1, List<double[]> w3, List<double[]> w2, int inter, int h) {
        List<NDArray[]> out = new ArrayList<>();
        for (int i = 0; i < w1.size(); i++) {
            out.add(new NDArray[] {param(w1.get(i), inter, h), param(w3.get(i), inter, h),
                param(w2.get(i), h, inter)});
        }
        return out;
    }

    @Test
    void tiesPickTheLowerExpertIndexEveryTime() {
        // experts 1, 2 and 3 tie for the top; 0 is lower
        double[] z = {0.5, 2.0, 2.0, 2.0, 0.5, 0.5};
        NDArray logits = m.create(new double[][] {z, z, {1, 1, 1, 1, 1, 1}});
        for (int run = 0; run < 5; run++) {
            NDArray[] r = k.moeRoute(logits, 2, logits);
            assertArrayEquals(new long[] {1, 2, 1, 2, 0, 1}, r[1].toLongArray());
            assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, r[0].toDoubleArray(), 1e-15);
        }
        NDArray[] r3 = k.moeRoute(logits, 3, logits);
        assertArrayEquals(new long[] {1, 2, 3, 1, 2, 3, 0, 1, 2}, r3[1].toLongArray());
        NDArray[] pos = k.moeDispatch(r3[1], 6);
        assertArrayEquals(new long[] {6}, pos[0].toLongArray());
        assertArrayEquals(new long[] {0, 3, 7}, pos[1].toLongArray());
        assertEquals(0, pos[4].getShape().size());
    }

    @Test
    void routingUnderFloat32RunsTheSoftmaxInFloat32AndReturnsTheHiddenDtype() {
        NDArray logits = m.create(new float[][] {{0.1f, 0.4f, -0.2f}});
        NDArray[] r = k.moeRoute(logits, 2, logits);
        assertEquals(DataType.FLOAT32, r[0].getDataType());
        double[] p = softmax(new double[] {0.1, 0.4, -0.2});
        assertArrayEquals(new double[] {p[1] / (p[1] + p[0]), p[0] / (p[1] + p[0])}, r[0].toType(DataType.FLOAT64, false).toDoubleArray(), 1e-6);
    }

    @Test
    void loadBalancingLossIsHfsFormulaAndSplitsIntoLayerParts() {
        int t = 7;
        int e = 5;
        int kk = 2;
        int layers = 3;
        long[] mask = {1, 1, 0, 1, 1, 1, 0};
        List<double[]> zs = new ArrayList<>();
        List<NDArray> logits = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            double[] z = gaussian(t * e, 1.5);
            zs.add(z);
            logits.add(param(z, t, e));
        }
        NDArray maskArray = m.create(mask);
        // HF: tokens_per_expert [k, E] and router_prob [E] averaged over all layers' counted tokens
        double[][] tokensPerExpert = new double[kk][e];
        double[] routerProb = new double[e];
        double counted = 0;
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < t; i++) {
                if (mask[i] == 0) {
                    continue;
                }
                counted++;
                double[] p = softmax(java.util.Arrays.copyOfRange(zs.get(l), i * e, i * e + e));
                int[] top = topK(p, kk);
                for (int j = 0; j < kk; j++) {
                    tokensPerExpert[j][top[j]]++;
                }
                for (int x = 0; x < e; x++) {
                    routerProb[x] += p[x];
                }
            }
        }
        double want = 0;
        for (int j = 0; j < kk; j++) {
            for (int x = 0; x < e; x++) {
                want += tokensPerExpert[j][x] / counted * routerProb[x] / counted;
            }
        }
        want *= e;
        NDArray loss;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            loss = k.moeAuxLoss(logits, maskArray, kk);
            gc.backward(loss);
        }
        assertEquals(want, loss.getDouble(), 1e-12);
        NDArray freq = k.moeAuxFrequencies(logits, maskArray, kk);
        double sum = 0;
        for (int l = 0; l < layers; l++) {
            sum += k.moeAuxPart(logits.get(l), maskArray, freq, layers).getDouble();
        }
        assertEquals(want, sum, 1e-12);
        // finite differences through the softmax (the picks are constant for a small step)
        double h = 1e-6;
        double[] grad = logits.get(1).getGradient().toDoubleArray();
        for (int probe : new int[] {0, 9, 17, 33}) {
            double[] zp = zs.get(1).clone();
            zp[probe] += h;
            double[] zm = zs.get(1).clone();
            zm[probe] -= h;
            double fd = (auxWith(logits, 1, zp, maskArray, kk) - auxWith(logits, 1, zm, maskArray, kk)) / (2 * h);
            assertEquals(fd, grad[probe], 1e-7, "d aux / d logits[1][" + probe + "]");
        }
        assertEquals(0.0, grad[2 * e + 1], 0.0, "a masked token gets no gradient");
    }

    private double auxWith(List<NDArray> logits, int layer, double[] z, NDArray mask, int kk) {
        List<NDArray> copy = new ArrayList<>(logits);
        copy.set(layer, m.create(z, logits.get(layer).getShape()));
        return k.moeAuxLoss(copy, mask, kk).getDouble();
    }

    @Test
    void noCountedTokenMeansNoLoss() {
        NDArray logits = m.create(gaussian(12, 1), new Shape(3, 4));
        assertEquals(0.0, k.moeAuxLoss(List.of(logits), m.create(new long[3]), 2).getDouble(), 0.0);
    }

    private static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }

    private static void assertClose(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-12 * (1 + Math.abs(want[i])), what + " element " + i);
        }
    }
}
