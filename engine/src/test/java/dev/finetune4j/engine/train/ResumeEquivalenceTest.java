package dev.finetune4j.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.data.PackedDataset;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.schedule.LinearWithWarmup;
import dev.finetune4j.engine.schedule.Time;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping after k optimizer steps and resuming with {@code autoresume} continues exactly (docs/training.md §9): the
 * same per-step losses, bitwise-identical weights, optimizer state, LambdaLR
 * state and timestamp counters as an uninterrupted run of N steps — also mid-epoch and with dropout on.
 */
class ResumeEquivalenceTest {
    private static final int N = 7; // 10 rows, global batch 4 → 3 steps per epoch (4, 4, 2 rows): 7 steps = 2⅓ epochs

    @TempDir
    Path dir;

    private record Run(TreeMap<Long, Double> losses, TrainingResult result, Map<String, float[]> weights) {
    }

    private TrainFixtures.Spec spec(Path runDir, boolean autoresume, String optimizer) {
        TrainFixtures.Spec s = new TrainFixtures.Spec(runDir);
        s.micro = 2;
        s.global = 4;
        s.duration = N + "ba";
        s.lr = 3e-3;
        s.optimizer = new TrainingSpec.OptimizerSpec(optimizer, 0.9, 0.99, 1e-4, 1e-8);
        s.scheduler = LinearWithWarmup.of(Time.parse("2ba"), 0.1);
        s.clip = 1.0;
        s.saveInterval = "2ba";
        s.autoresume = autoresume;
        return s;
    }

    private Run run(Path runDir, boolean autoresume, double dropout, int stopAfter, boolean lora, String optimizer) {
        TrainFixtures.Recorder rec = new TrainFixtures.Recorder();
        PackedDataset data = TrainFixtures.dataset(10, 5);
        // a resumed full fine-tune starts from other random weights: everything must come from the checkpoint; a
        // LoRA run keeps its (frozen) base, and its adapters start from another seed
        try (CausalLm model = lora ? TrainFixtures.tinyLoraModel(17, autoresume ? 99 : 17, dropout)
                : TrainFixtures.tinyModel(autoresume ? 99 : 17, dropout)) {
            Trainer t = new Trainer(model, data, null, spec(runDir, autoresume, optimizer).build(), rec, TrainFixtures.noExport(), PromptSampler.NONE);
            if (stopAfter > 0) {
                t.stopWhen(() -> rec.losses().size() >= stopAfter);
            }
            TrainingResult r = t.run();
            return new Run(rec.losses(), r, lora ? TrainFixtures.loraWeights(model) : TrainFixtures.weights(model));
        }
    }

    @ParameterizedTest(name = "stop after {0} steps, dropout {1}, LoRA {2}, {3}")
    @CsvSource({"4, 0.0, false, decoupled_lionw", "3, 0.1, false, decoupled_lionw", "4, 0.1, true, decoupled_lionw",
            "5, 0.1, false, adamw"})
    void resumedRunMatchesUninterruptedRun(int k, double dropout, boolean lora, String optimizer) {
        Run straight = run(dir.resolve("straight"), false, dropout, 0, lora, optimizer);
        assertEquals(N, straight.losses().size());
        assertEquals("duration", straight.result().stopReason());

        Path resumedDir = dir.resolve("resumed");
        Run first = run(resumedDir, false, dropout, k, lora, optimizer);
        assertEquals("stopped", first.result().stopReason());
        assertEquals(k, first.result().batches());
        Run second = run(resumedDir, true, dropout, 0, lora, optimizer);
        assertEquals(N, second.result().batches());
        assertEquals(N - k, second.losses().size(), "the resumed run must only do the remaining steps");

        TreeMap<Long, Double> joined = new TreeMap<>(first.losses());
        joined.putAll(second.losses());
        assertEquals(straight.losses(), joined, "per-step losses (keyed by batch) must be identical");

        for (String name : straight.weights().keySet()) {
            assertArrayEquals(straight.weights().get(name), second.weights().get(name), 0f, name);
        }
        ComposerCheckpoint a = ComposerCheckpoint.read(straight.result().lastCheckpoint());
        ComposerCheckpoint b = ComposerCheckpoint.read(second.result().lastCheckpoint());
        assertEquals(a.model().keySet(), b.model().keySet());
        if (lora) {
            // Composer saves a PEFT model's adapters only, under PEFT's module path with the adapter name (docs/formats.md §3.1)
            assertEquals(2 * 7 * 2, a.model().size());
            assertTrue(a.model().containsKey("base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight"),
                    a.model().keySet().toString());
            assertEquals(a.model().keySet(), a.optimizer().state().keySet());
        }
        a.model().forEach((name, t) -> assertBitwise(t, b.model().get(name), "model " + name));
        assertEquals(a.optimizer().state().keySet(), b.optimizer().state().keySet());
        assertFalse(a.optimizer().state().isEmpty());
        a.optimizer().state().forEach((name, st) -> st.forEach((slot, t) ->
                assertBitwise(t, b.optimizer().state().get(name).get(slot), "optimizer " + name + "." + slot)));
        assertEquals(a.optimizer().paramGroups().get(0).get("lr"), b.optimizer().paramGroups().get(0).get("lr"));
        assertEquals(a.scheduler(), b.scheduler());
        var ta = a.timestamp();
        var tb = b.timestamp();
        assertEquals(java.util.List.of(ta.epoch(), ta.batch(), ta.sample(), ta.token(), ta.batchInEpoch(),
                        ta.sampleInEpoch(), ta.tokenInEpoch()),
                java.util.List.of(tb.epoch(), tb.batch(), tb.sample(), tb.token(), tb.batchInEpoch(),
                        tb.sampleInEpoch(), tb.tokenInEpoch()));
        assertEquals(a.extraState().get("dataset_state"), b.extraState().get("dataset_state"));
    }

    private static void assertBitwise(StoredTensor expected, StoredTensor actual, String what) {
        assertTrue(actual != null, what + " missing");
        assertArrayEquals(expected.shape(), actual.shape(), what);
        assertEquals(expected.dtype(), actual.dtype(), what);
        assertTrue(expected.data().equals(actual.data()), what + " differs bitwise");
    }
}
