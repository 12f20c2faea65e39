package dev.finetune4j.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.finetune4j.engine.kernel.KernelLibrary;
import java.util.ArrayList;
import java.util.List;

/**
 * Forward + backward time of one sparse MoE feed-forward block (router, top-k, tokens dispatched per expert, as the
 * Mixtral layer runs it: all experts in one kernel call, and the per-expert calls used for LoRA/int8 experts) against the same experts run densely on every token (each expert's output weighted by the
 * routing weight, 0 for experts not picked: what a naive MoE computes), and a dense gated MLP with k × the expert
 * width (the compute the sparse block should cost). The variants run in turns, round after round; prints one JSON
 * line per variant (median ms) and the ratios, within one run.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.finetune4j.bench.MoeLayerBench [tokens hidden inter experts k
 *     iterations]</pre>
 */
@SuppressWarnings("try")
public final class MoeLayerBench {

    private MoeLayerBench() {
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        int tokens = arg(args, 0, 512);
        int hidden = arg(args, 1, 256);
        int inter = arg(args, 2, 512);
        int experts = arg(args, 3, 8);
        int k = arg(args, 4, 2);
        int iters = arg(args, 5, 20);
        Engine.getEngine("PyTorch").setRandomSeed(7);
        KernelLibrary kl = KernelLibrary.on(Device.cpu());
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = m.randomNormal(new Shape(1, tokens, hidden));
            NDArray router = param(m, 0.5f, experts, hidden);
            List<NDArray[]> ex = new ArrayList<>();
            List<NDArray> all = new ArrayList<>(List.of(router));
            for (int e = 0; e < experts; e++) {
                NDArray[] w = {param(m, 0.05f, inter, hidden), param(m, 0.05f, inter, hidden),
                    param(m, 0.05f, hidden, inter)};
                ex.add(w);
                all.addAll(List.of(w));
            }
            NDArray[] wide = {param(m, 0.05f, k * inter, hidden), param(m, 0.05f, k * inter, hidden),
                param(m, 0.05f, hidden, k * inter)};
            NDArray empty = m.create(new float[0]);
            List<NDArray> wideParams = List.of(wide);
            List<java.util.function.Supplier<NDArray>> variants = List.of(
                () -> sparseOneCall(kl, x, router, ex, k, empty),
                () -> sparse(kl, x, router, ex, k, empty),
                () -> denseAllExperts(kl, x, router, ex, k, empty),
                () -> kl.linear(kl.siluMul(kl.linear(x, wide[0], empty, false), kl.linear(x, wide[1], empty, false)),
                        wide[2], empty, false));
            List<List<NDArray>> params = List.of(all, all, all, wideParams);
            double[] ms = time(iters, params, variants);
            double sparse = ms[0];
            double perExpert = ms[1];
            double dense = ms[2];
            double mlp = ms[3];
            System.out.printf("{\"variant\":\"sparse-dispatch-per-expert-calls\",\"ms\":%.2f}%n", perExpert);
            System.out.printf("{\"variant\":\"sparse-dispatch\",\"tokens\":%d,\"hidden\":%d,\"inter\":%d,"
                    + "\"experts\":%d,\"k\":%d,\"ms\":%.2f}%n", tokens, hidden, inter, experts, k, sparse);
            System.out.printf("{\"variant\":\"dense-all-experts\",\"ms\":%.2f}%n", dense);
            System.out.printf("{\"variant\":\"dense-mlp-k-wide\",\"ms\":%.2f}%n", mlp);
            System.out.printf("{\"sparse_over_dense_all_experts\":%.3f,\"sparse_over_k_wide_mlp\":%.3f,"
                    + "\"ideal_k_over_experts\":%.3f}%n", sparse / dense, sparse / mlp, (double) k / experts);
        }
    }

    private static int arg(String[] args, int i, int dflt) {
        return args.length > i ? Integer.parseInt(args[i]) : dflt;
    }

    private static NDArray param(NDManager m, float std, long... shape) {
        NDArray a = m.randomNormal(0f, std, new Shape(shape), DataType.FLOAT32);
        a.setRequiresGradient(true);
        return a;
    }

    /**
     * Median milliseconds of forward + backward (sum of the output) per variant over {@code iters} rounds after 3
     * warm-up rounds; each round runs every variant once, in turn, so a busy machine slows all of them alike.
     */
    private static double[] time(int iters, List<List<NDArray>> params,
                                 List<java.util.function.Supplier<NDArray>> variants) {
        double[][] ms = new double[variants.size()][iters];
        for (int i = -3; i < iters; i++) {
            for (int v = 0; v < variants.size(); v++) {
                long t0 = System.nanoTime();
                try (NDScope scope = new NDScope();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(variants.get(v).get().sum());
                    params.get(v).get(0).getGradient().toFloatArray();
                }
                if (i >= 0) {
                    ms[v][i] = (System.nanoTime() - t0) / 1e6;
                }
                for (NDArray p : params.get(v)) {
                    p.getGradient().subi(p.getGradient());
                }
            }
        }
        double[] out = new double[variants.size()];
        for (int v = 0; v < out.length; v++) {
            java.util.Arrays.sort(ms[v]);
            out[v] = ms[v][iters / 2];
        }
        return out;
    }

    private static NDArray expert(KernelLibrary kl, NDArray x, NDArray[] w, NDArray empty) {
        return kl.linear(kl.siluMul(kl.linear(x, w[0], empty, false), kl.linear(x, w[1], empty, false)), w[2], empty,
                false);
    }

    /** What MoeBlock runs for adapted or int8 experts: one gather/Linear/.../ call per expert. */
    static NDArray sparse(KernelLibrary kl, NDArray x, NDArray router, List<NDArray[]> ex, int k, NDArray empty) {
        NDArray[] route = kl.moeRoute(kl.linear(x, router, empty, false), k, x);
        NDArray[] positions = kl.moeDispatch(route[1], ex.size());
        List<NDArray> ys = new ArrayList<>();
        List<NDArray> ps = new ArrayList<>();
        for (int e = 0; e < ex.size(); e++) {
            if (positions[e].getShape().size() > 0) {
                ys.add(expert(kl, kl.moeGather(x, positions[e], k), ex.get(e), empty));
                ps.add(positions[e]);
            }
        }
        return kl.moeCombine(x, ys, ps, route[0], k);
    }

    /** What MoeBlock runs for plain expert weights: routing, dispatch, then all experts in one kernel call. */
    static NDArray sparseOneCall(KernelLibrary kl, NDArray x, NDArray router, List<NDArray[]> ex, int k,
                                 NDArray empty) {
        NDArray[] route = kl.moeRoute(kl.linear(x, router, empty, false), k, x);
        NDArray[] positions = kl.moeDispatch(route[1], ex.size());
        List<NDArray> w1 = new ArrayList<>();
        List<NDArray> w3 = new ArrayList<>();
        List<NDArray> w2 = new ArrayList<>();
        for (NDArray[] w : ex) {
            w1.add(w[0]);
            w3.add(w[1]);
            w2.add(w[2]);
        }
        return kl.moeExperts(x, List.of(positions), w1, w3, w2, route[0], k, 0.0, true, false);
    }

    static NDArray denseAllExperts(KernelLibrary kl, NDArray x, NDArray router, List<NDArray[]> ex, int k,
                                   NDArray empty) {
        NDArray[] route = kl.moeRoute(kl.linear(x, router, empty, false), k, x);
        // [T, E] weights: the k routing weights scattered into their experts' columns
        NDArray w = route[1].oneHot(ex.size()).toType(DataType.FLOAT32, false).mul(route[0].expandDims(2)).sum(new int[] {1});
        NDArray out = null;
        for (int e = 0; e < ex.size(); e++) {
            NDArray y = expert(kl, x, ex.get(e), empty).mul(w.get(":, " + e).reshape(1, -1, 1));
            out = out == null ? y : out.add(y);
        }
        return out;
    }
}
