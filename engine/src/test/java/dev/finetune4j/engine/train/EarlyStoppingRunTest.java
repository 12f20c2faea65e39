package dev.finetune4j.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.engine.model.CausalLm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Early stopping in the loop (Composer's EarlyStopper, lower val loss is better): with a min_delta no step can beat,
 * the first evaluation sets the best value and {@code patience} more evaluations stop the run, which then saves a
 * checkpoint recording the best value and the count, and exports nothing past the stop.
 */
class EarlyStoppingRunTest {
    @TempDir
    Path dir;

    @Test
    void stopsAfterPatienceEvaluationsWithoutImprovement() {
        TrainFixtures.Spec s = new TrainFixtures.Spec(dir);
        s.duration = "10ba";
        s.evalInterval = "1ba";
        s.earlyStopping = new TrainingSpec.EarlyStoppingSpec(2, 10.0);
        TrainFixtures.Recorder rec = new TrainFixtures.Recorder();
        TrainingResult r;
        try (CausalLm model = TrainFixtures.tinyModel(17, 0)) {
            r = new Trainer(model, TrainFixtures.dataset(16, 4), TrainFixtures.dataset(4, 8), s.build(), rec,
                    TrainFixtures.noExport(), PromptSampler.NONE).run();
        }
        assertEquals("early_stopping", r.stopReason());
        assertEquals(3, r.batches(), "eval 1 sets the best, evals 2 and 3 do not improve by 10 → stop at batch 3");
        List<Double> valLosses = new ArrayList<>();
        for (int i = 0; i < rec.events.size(); i++) {
            if (rec.events.get(i).equals("eval")) {
                valLosses.add(((Number) rec.eventFields.get(i).get("val_loss")).doubleValue());
            }
        }
        assertEquals(3, valLosses.size());
        assertEquals(valLosses.get(2), r.lastValLoss());
        ComposerCheckpoint cp = ComposerCheckpoint.read(r.lastCheckpoint());
        assertEquals(3, cp.timestamp().batch());
        Map<?, ?> stopper = (Map<?, ?>) ((Map<?, ?>) cp.extraState().get("callbacks")).get("EarlyStopper");
        assertEquals(valLosses.get(0), ((Number) stopper.get("best")).doubleValue());
        assertEquals(2L, ((Number) stopper.get("wait")).longValue());
        assertTrue(rec.events.indexOf("checkpoint_saved") > rec.events.lastIndexOf("eval"),
                "the stop checkpoint comes after the last evaluation");
    }
}
