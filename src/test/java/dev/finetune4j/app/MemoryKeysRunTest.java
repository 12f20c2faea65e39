package dev.finetune4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDScope;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.StepLoss;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full fine-tune with every memory key on (bf16 master weights, activation checkpointing, optimizer in backward)
 * runs through the application, writes a Composer checkpoint and an HF export that reloads.
 */
@SuppressWarnings("try")
class MemoryKeysRunTest {
    @TempDir
    Path dir;

    @Test
    void fullFineTuneWithAllMemoryKeysExportsALoadableModel() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", AppFixtures.quickstart().resolve("model"));
        m.put("train_data_path", AppFixtures.someExamples(dir.resolve("data"), "train.jsonl", 8));
        m.put("experiment_path", dir.resolve("runs"));
        m.put("run_name", "memory");
        m.put("training_duration", "2ba");
        m.put("learning_rate", 1e-3);
        m.put("context_length", 128);
        m.put("micro_batch_size", 2);
        m.put("device", "cpu");
        m.put("preprocessing_num_workers", 1);
        m.put("activation_checkpointing", true);
        m.put("master_weights", "bf16");
        m.put("optimizer_in_backward", true);
        RunConfig c = RunConfig.fromMap(m, dir);
        RunResult r;
        try (FineTuneRun run = FineTune.create(c)) {
            r = run.await();
        }
        assertEquals(2, r.batches());
        assertTrue(Double.isFinite(r.trainLoss()));
        assertTrue(Files.exists(r.lastCheckpoint()));
        try (HfModelFolder f = HfModelFolder.open(r.export());
             CausalLm reloaded = CausalLm.load(f, ModelOptions.cpu());
             NDScope scope = new NDScope()) {
            int[] ids = {3, 4, 5, 6, 7, 8, 9, 10};
            int[] pos = {0, 1, 2, 3, 4, 5, 6, 7};
            Batch probe = new Batch(1, 8, ids, ids.clone(), pos, new int[][] {{0, 8}}, 8, 7);
            StepLoss l = reloaded.loss(probe, false);
            assertTrue(Double.isFinite(l.mean()));
        }
    }
}
