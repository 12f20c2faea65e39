package dev.finetune4j.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.schedule.LinearWithWarmup;
import dev.finetune4j.engine.schedule.Time;
import java.nio.file.Path;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lr each optimizer step trains with follows Composer's timing (docs/training.md §2): batch k (0-based) uses
 * α(max(k−1, 0)), so with a linear warmup batches 0 and 1 both use lr 0. All
 * expected values below are computed by hand from the LinearWithWarmupScheduler code formula (docs/training.md §2.1), not by the engine.
 */
class LrTimingTest {
    @TempDir
    Path dir;

    @Test
    void listenerSeesComposerTimedLinearWarmupAndDecay() {
        TrainFixtures.Spec s = new TrainFixtures.Spec(dir);
        s.micro = 2;
        s.global = 2;
        s.duration = "10ba";
        s.lr = 0.01;
        s.scheduler = LinearWithWarmup.of(Time.parse("4ba"), 0.1); // alpha_i 1, alpha_f 0.1, t_max 1dur = 10ba
        TrainFixtures.Recorder rec = new TrainFixtures.Recorder();
        try (CausalLm model = TrainFixtures.tinyModel(17, 0)) {
            new Trainer(model, TrainFixtures.dataset(6, 1), null, s.build(), rec, TrainFixtures.noExport(), PromptSampler.NONE).run();
        }
        // α(t) = t/4 for t < 4; α(t) = 1 + (t−4)/(10−4)·(0.1−1) for t >= 4; batch k uses α(max(k−1, 0))
        double[] alpha = {0, 0, 0.25, 0.5, 0.75, 1.0, 0.85, 0.7, 0.55, 0.4};
        TreeMap<Long, Double> lrs = rec.series("lr"); // keyed by the batch count after the step = k + 1
        assertEquals(10, lrs.size());
        for (int k = 0; k < 10; k++) {
            assertEquals(0.01 * alpha[k], lrs.get((long) k + 1), 1e-12, "lr of batch " + k);
        }
    }
}
