package dev.finetune4j.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import dev.finetune4j.data.Batch;
import dev.finetune4j.data.PackedDataset;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.StepLoss;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gradient accumulation is exact (docs/training.md §7): a global
 * batch of 8 rows as 1×8, 2×4 and 4×2 micro-batches gives the same loss, gradient norm and updated weights, although
 * its rows hold different numbers of loss tokens (so averaging per-micro-batch means would not).
 */
class AccumulationEquivalenceTest {
    private static final long SEED = 17;

    @TempDir
    Path dir;

    private record Outcome(TreeMap<Long, Double> losses, TreeMap<Long, Double> gradNorms, Map<String, float[]> weights) {
    }

    private Outcome train(int micro, PackedDataset data) {
        TrainFixtures.Spec s = new TrainFixtures.Spec(dir.resolve("micro" + micro));
        s.micro = micro;
        s.global = 8;
        s.duration = "2ba";
        s.optimizer = new TrainingSpec.OptimizerSpec("adamw", 0.9, 0.95, 0.0, 1e-8);
        TrainFixtures.Recorder rec = new TrainFixtures.Recorder();
        try (CausalLm model = TrainFixtures.tinyModel(SEED, 0)) {
            new Trainer(model, data, null, s.build(), rec, TrainFixtures.noExport(), PromptSampler.NONE).run();
            return new Outcome(rec.losses(), rec.series("grad_norm"), TrainFixtures.weights(model));
        }
    }

    @Test
    void microBatchSplitsGiveTheSameStep() {
        PackedDataset data = TrainFixtures.dataset(8, 3);
        Outcome whole = train(8, data);
        Outcome fours = train(4, data);
        Outcome twos = train(2, data);
        assertEquals(2, whole.losses().size());
        for (Outcome o : List.of(fours, twos)) {
            for (long b : whole.losses().keySet()) {
                assertClose(whole.losses().get(b), o.losses().get(b), 1e-5, "loss at batch " + b);
                assertClose(whole.gradNorms().get(b), o.gradNorms().get(b), 1e-5, "grad norm at batch " + b);
            }
            for (String name : whole.weights().keySet()) {
                float[] a = whole.weights().get(name);
                float[] b = o.weights().get(name);
                for (int i = 0; i < a.length; i++) {
                    // 1e-5 relative to the weight plus a small absolute term for weights near 0
                    double tol = 1e-5 * Math.abs(a[i]) + 1e-7;
                    if (Math.abs(a[i] - b[i]) > tol) {
                        throw new AssertionError(name + "[" + i + "] differs: " + a[i] + " vs " + b[i]);
                    }
                }
            }
        }
    }

    /** The reported loss is the token mean of the whole global batch, and the naive mean of micro means differs. */
    @Test
    void reportedLossIsTheTokenMeanNotTheMeanOfMicroMeans() {
        PackedDataset data = TrainFixtures.dataset(8, 3);
        Batch global = data.loader(8, SEED).next();
        double tokenMean;
        double naive = 0;
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (CausalLm model = TrainFixtures.tinyModel(SEED, 0)) {
            try (NDScope scope = new NDScope()) {
                tokenMean = model.loss(global, false).mean();
            }
            List<Batch> micro = MicroBatches.split(global, 2);
            long[] counts = new long[micro.size()];
            for (int i = 0; i < micro.size(); i++) {
                try (NDScope scope = new NDScope()) {
                    StepLoss l = model.loss(micro.get(i), false);
                    counts[i] = l.tokens();
                    naive += l.mean() / micro.size();
                }
            }
            assertTrue(counts[0] != counts[1] || counts[1] != counts[2] || counts[2] != counts[3],
                    "micro-batches must hold different loss-token counts for this test to mean anything");
        } finally {
            JniUtils.setGradMode(was);
        }
        assertTrue(Math.abs(naive - tokenMean) > 1e-3 * tokenMean,
                "the naive mean of micro-batch means (" + naive + ") should differ from the token mean (" + tokenMean
                        + ")");
        Outcome twos = train(2, data);
        assertClose(tokenMean, twos.losses().firstEntry().getValue(), 1e-5, "first-step loss");
    }

    private static void assertClose(double expected, double actual, double rel, String what) {
        assertTrue(Math.abs(expected - actual) <= rel * Math.abs(expected),
                what + ": expected " + expected + ", got " + actual);
    }
}
