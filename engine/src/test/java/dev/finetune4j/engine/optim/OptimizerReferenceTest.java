package dev.finetune4j.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.engine.model.TrainableParameter;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Optimizer kernels against the reference formulas (docs/training.md §3.1, Composer DecoupledAdamW), float64. */
class OptimizerReferenceTest {

    private NDManager manager;
    private final Random rnd = new Random(7);

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private double[] randoms(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextGaussian();
        }
        return v;
    }

    private TrainableParameter param(String name, double[] values) {
        NDArray a = manager.create(values, new Shape(values.length));
        a.setRequiresGradient(true);
        return new TrainableParameter(name, a, TrainableParameter.Group.BASE);
    }

    /** Sets p.grad = g through a real backward pass (loss = Σ p·g). */
    private void backward(List<TrainableParameter> ps, List<double[]> gs) {
        try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (int i = 0; i < ps.size(); i++) {
                NDArray term = ps.get(i).array().mul(manager.create(gs.get(i))).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    @Test
    void lionMatchesReferenceOverStepsWithChangingLr() {
        double[] p0 = randoms(6);
        double[] q0 = randoms(3);
        TrainableParameter p = param("a", p0);
        TrainableParameter q = param("b", q0);
        double lr0 = 0.01;
        double wd = 0.1;
        double b1 = 0.99;
        double b2 = 0.95;
        try (DecoupledLionW opt = new DecoupledLionW(ParameterGroups.single(List.of(p, q), lr0, wd), b1, b2)) {
            double[][] ref = {p0.clone(), q0.clone()};
            double[][] m = {new double[6], new double[3]};
            double[] lrs = {0.01, 0.005, 0.0025, 0.0};
            for (double lr : lrs) {
                List<double[]> gs = List.of(randoms(6), randoms(3));
                backward(List.of(p, q), gs);
                opt.setLr(0, lr);
                opt.step();
                opt.zeroGrad();
                for (int t = 0; t < 2; t++) {
                    for (int i = 0; i < ref[t].length; i++) {
                        double g = gs.get(t)[i];
                        ref[t][i] *= 1 - (lr / lr0) * wd;
                        double c = b1 * m[t][i] + (1 - b1) * g;
                        ref[t][i] -= lr * Math.signum(c);
                        m[t][i] = b2 * m[t][i] + (1 - b2) * g;
                    }
                }
                assertArrayClose(ref[0], p.array().toDoubleArray(), 1e-12);
                assertArrayClose(ref[1], q.array().toDoubleArray(), 1e-12);
            }
            Map<String, Map<String, StoredTensor>> st = opt.state();
            assertEquals(List.of("a", "b"), List.copyOf(st.keySet()));
            assertEquals(List.of("exp_avg"), List.copyOf(st.get("a").keySet()));
            float[] expAvg = st.get("a").get("exp_avg").toFloatArray();
            for (int i = 0; i < 6; i++) {
                assertEquals(m[0][i], expAvg[i], 1e-6);
            }
        }
    }

    @Test
    void adamwMatchesComposerDecoupledAdamW() {
        double[] p0 = randoms(5);
        TrainableParameter p = param("w", p0);
        double lr0 = 0.1;
        double wd = 0.01;
        double b1 = 0.9;
        double b2 = 0.95;
        double eps = 1e-8;
        try (DecoupledAdamW opt = new DecoupledAdamW(ParameterGroups.single(List.of(p), lr0, wd), b1, b2, eps)) {
            double[] ref = p0.clone();
            double[] m = new double[5];
            double[] v = new double[5];
            double[] lrs = {0.1, 0.05, 0.02};
            for (int step = 1; step <= lrs.length; step++) {
                double lr = lrs[step - 1];
                double[] g = randoms(5);
                backward(List.of(p), List.of(g));
                opt.setLr(0, lr);
                opt.step();
                opt.zeroGrad();
                double bc1 = 1 - Math.pow(b1, step);
                double bc2 = 1 - Math.pow(b2, step);
                for (int i = 0; i < 5; i++) {
                    ref[i] *= 1 - (lr / lr0) * wd;
                    m[i] = b1 * m[i] + (1 - b1) * g[i];
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                    double denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + eps;
                    ref[i] -= lr / bc1 * m[i] / denom;
                }
                assertArrayClose(ref, p.array().toDoubleArray(), 1e-10);
            }
            assertEquals(3.0f, opt.state().get("w").get("step").toFloatArray()[0]);
        }
    }

    @Test
    void stateRoundTripsIntoAFreshOptimizer() {
        TrainableParameter p = param("w", randoms(4));
        TrainableParameter p2 = param("w", p.array().toDoubleArray());
        try (DecoupledLionW a = new DecoupledLionW(ParameterGroups.single(List.of(p), 0.1, 0), 0.9, 0.99);
             DecoupledLionW b = new DecoupledLionW(ParameterGroups.single(List.of(p2), 0.1, 0), 0.9, 0.99)) {
            double[] g = randoms(4);
            backward(List.of(p), List.of(g));
            a.step();
            a.zeroGrad();
            b.loadState(a.state());
            backward(List.of(p2), List.of(g));
            b.step();
            b.zeroGrad();
            p2.array().subi(p2.array()).addi(p.array()); // same parameter values from here on
            double[] g2 = randoms(4);
            backward(List.of(p), List.of(g2));
            backward(List.of(p2), List.of(g2));
            a.step();
            b.step();
            assertArrayClose(p.array().toDoubleArray(), p2.array().toDoubleArray(), 1e-7);
        }
    }

    @Test
    void clipGlobalNormScalesLikeClipGradNorm() {
        TrainableParameter p = param("a", new double[] {0, 0});
        TrainableParameter q = param("b", new double[] {0});
        backward(List.of(p, q), List.of(new double[] {3, 4}, new double[] {12}));
        double norm = GradientClipping.clipGlobalNorm(List.of(p, q), 1.0);
        assertEquals(13.0, norm, 1e-12);
        double coef = 1.0 / (13.0 + 1e-6);
        assertArrayClose(new double[] {3 * coef, 4 * coef}, p.array().getGradient().toDoubleArray(), 1e-12);
        assertArrayClose(new double[] {12 * coef}, q.array().getGradient().toDoubleArray(), 1e-12);
        // below the threshold: unchanged
        double again = GradientClipping.clipGlobalNorm(List.of(p, q), 5.0);
        assertEquals(1.0, again, 1e-6);
        assertArrayClose(new double[] {3 * coef, 4 * coef}, p.array().getGradient().toDoubleArray(), 1e-12);
    }

    @Test
    void nonFiniteGradientShowsInTheNorm() {
        TrainableParameter p = param("a", new double[] {0, 0});
        backward(List.of(p), List.of(new double[] {Double.NaN, 1}));
        assertEquals(Double.NaN, GradientClipping.globalNorm(List.of(p)));
    }

    @Test
    void loraPlusGivesLoraBItsOwnLearningRate() {
        NDArray a = manager.zeros(new Shape(2));
        NDArray b = manager.zeros(new Shape(2));
        List<ParameterGroup> groups = ParameterGroups.loraPlus(List.of(
                new TrainableParameter("x.lora_A.weight", a, TrainableParameter.Group.LORA_A),
                new TrainableParameter("x.lora_B.weight", b, TrainableParameter.Group.LORA_B)), 1e-4, 0, 16);
        assertEquals(2, groups.size());
        assertEquals(1e-4, groups.get(0).initialLr());
        assertEquals(1.6e-3, groups.get(1).initialLr(), 1e-15);
        assertThrows(OptimizerException.class, () -> new DecoupledLionW(groups, 1.5, 0.9));
    }

    static void assertArrayClose(double[] want, double[] got, double tol) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), "element " + i);
        }
    }
}
