package dev.finetune4j.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import dev.finetune4j.engine.event.EventType;
import dev.finetune4j.engine.event.RunEvent;
import dev.finetune4j.engine.event.RunListener;
import dev.finetune4j.engine.model.CausalLm;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A non-finite loss stops the run with a {@link TrainingException} naming the batch and the last good checkpoint,
 * and {@code latest-rank0.pt} keeps pointing at that checkpoint (nothing is saved from the broken state).
 */
class NonFiniteLossTest {
    @TempDir
    Path dir;

    @Test
    void nanWeightStopsTheRunAndLatestStaysOnTheLastGoodCheckpoint() {
        TrainFixtures.Spec s = new TrainFixtures.Spec(dir);
        s.duration = "6ba";
        s.saveInterval = "1ba";
        Path checkpoints = dir.resolve("checkpoints");
        try (CausalLm model = TrainFixtures.tinyModel(17, 0)) {
            RunListener poison = new RunListener() {
                @Override
                public void onEvent(RunEvent e) {
                    if (e.type() == EventType.CHECKPOINT_SAVED && e.step() == 3) {
                        float[] nan = new float[32];
                        Arrays.fill(nan, Float.NaN);
                        model.loadStateDict(Map.of("model.norm.weight", StoredTensor.ofFloats(new long[] {32}, nan)),
                                false);
                    }
                }
            };
            Trainer t = new Trainer(model, TrainFixtures.dataset(24, 2), null, s.build(), poison,
                    TrainFixtures.noExport(), PromptSampler.NONE);
            TrainingException e = assertThrows(TrainingException.class, t::run);
            Path good = checkpoints.resolve("ep0-ba3-rank0.pt");
            assertTrue(e.getMessage().contains("at batch 3"), e.getMessage());
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
            assertTrue(e.getMessage().contains(good.toString()), e.getMessage());
            assertEquals(good.toRealPath(), ComposerCheckpoints.latest(checkpoints).orElseThrow());
            assertEquals(3, ComposerCheckpoints.list(checkpoints).size(), "no checkpoint after batch 3");
            ComposerCheckpoint cp = ComposerCheckpoint.read(good);
            assertEquals(3, cp.timestamp().batch());
            for (Map.Entry<String, StoredTensor> w : cp.model().entrySet()) {
                for (float v : w.getValue().toFloatArray()) {
                    assertTrue(Float.isFinite(v), "checkpoint weight " + w.getKey() + " is not finite");
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
