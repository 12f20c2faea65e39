package dev.finetune4j.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import dev.finetune4j.checkpoint.torch.TorchFile;
import dev.finetune4j.engine.model.CausalLm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * save_top_k keeps the best k checkpoints by the monitored metric plus the newest (which files remain after a run),
 * save_weights_only writes Composer's model-only layout and autoresume refuses it with a clear message, and the
 * eval prompts are sampled at every checkpoint save even without eval data.
 */
class CheckpointPolicyTest {
    @TempDir
    Path dir;

    private static Set<String> checkpointFiles(Path runDir) throws IOException {
        try (Stream<Path> s = Files.list(runDir.resolve("checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("ep\\d+-ba\\d+-rank0\\.pt"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void retentionKeepsTheBestKAndTheNewest() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("checkpoints"));
        CheckpointRetention r = new CheckpointRetention(-1, new CheckpointPolicy.TopK(2, "val_loss", true));
        double[] scores = {3.0, 1.0, 2.0, Double.NaN, 5.0};
        List<Path> deleted = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            Path f = Files.writeString(folder.resolve(ComposerCheckpoints.fileName(0, i + 1)), "x");
            deleted.addAll(r.afterSave(f, scores[i]));
        }
        // best two: ba2 (1.0) and ba3 (2.0); ba5 stays because it is the newest; unmeasured ba4 ranks last
        assertEquals(Set.of("ep0-ba2-rank0.pt", "ep0-ba3-rank0.pt", "ep0-ba5-rank0.pt"), checkpointFiles(dir));
        assertEquals(List.of("ep0-ba1-rank0.pt", "ep0-ba4-rank0.pt"), deleted.stream()
                .map(p -> p.getFileName().toString()).sorted().toList());
        assertEquals(List.of("ep0-ba2-rank0.pt", "ep0-ba3-rank0.pt", "ep0-ba5-rank0.pt"),
                r.scored().stream().map(CheckpointRetention.Scored::file).toList());

        // a resumed run continues the record; a file that is not in it (not saved by this run) is never deleted
        Files.writeString(folder.resolve("ep0-ba99-rank0.pt"), "not ours");
        CheckpointRetention resumed = new CheckpointRetention(-1, new CheckpointPolicy.TopK(2, "val_loss", true));
        resumed.restore(folder, r.scored());
        resumed.afterSave(Files.writeString(folder.resolve(ComposerCheckpoints.fileName(0, 6)), "x"), 0.5);
        assertEquals(Set.of("ep0-ba2-rank0.pt", "ep0-ba6-rank0.pt", "ep0-ba99-rank0.pt"), checkpointFiles(dir));

        CheckpointRetention max = new CheckpointRetention(-1, new CheckpointPolicy.TopK(1, "loss", false));
        assertTrue(new CheckpointPolicy.TopK(1, "loss", false).better(2, 1));
        assertEquals(4.0, max.score(4.0, 1.0));
        assertTrue(Double.isNaN(new CheckpointRetention(-1, new CheckpointPolicy.TopK(1, "val_loss", true))
                .score(4.0, null)));
        assertThrows(IllegalArgumentException.class, () -> new CheckpointPolicy.TopK(0, "val_loss", true));
        assertThrows(IllegalArgumentException.class, () -> new CheckpointPolicy.TopK(1, "accuracy", true));
    }

    /** Trains 4 steps saving and evaluating after each; returns the recorder. */
    private TrainFixtures.Recorder run(Path runDir, CheckpointPolicy policy, boolean withEval, boolean autoresume) {
        TrainFixtures.Spec s = new TrainFixtures.Spec(runDir);
        s.duration = "4ba";
        s.lr = 3e-2; // big enough that the eval loss moves up and down
        s.saveInterval = "1ba";
        s.evalInterval = withEval ? "1ba" : null;
        s.autoresume = autoresume;
        s.evalPrompts = List.of("Hello?");
        TrainFixtures.Recorder rec = new TrainFixtures.Recorder();
        try (CausalLm model = TrainFixtures.tinyModel(17, 0)) {
            Trainer t = new Trainer(model, TrainFixtures.dataset(16, 3), withEval ? TrainFixtures.dataset(6, 8) : null,
                    s.build(), rec, TrainFixtures.noExport(), sampling());
            t.checkpointPolicy(policy);
            t.run();
        }
        return rec;
    }

    private static PromptSampler sampling() {
        return (model, prompts) -> prompts.stream().map(p -> Map.of("prompt", p, "completion", "c")).toList();
    }

    private static Map<Long, Double> valLossByBatch(TrainFixtures.Recorder rec) {
        Map<Long, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < rec.events.size(); i++) {
            if (rec.events.get(i).equals("eval")) {
                Map<String, Object> f = rec.eventFields.get(i);
                out.put(rec.eventSteps.get(i), ((Number) f.get("val_loss")).doubleValue());
            }
        }
        return out;
    }

    @Test
    void saveTopKLeavesTheBestCheckpointsByValLoss() throws IOException {
        Path runDir = dir.resolve("top2");
        TrainFixtures.Recorder rec = run(runDir, new CheckpointPolicy(new CheckpointPolicy.TopK(2, "val_loss", true),
                false), true, false);
        Map<Long, Double> val = valLossByBatch(rec);
        assertEquals(List.of(1L, 2L, 3L, 4L), new ArrayList<>(val.keySet()));
        List<Long> ranked = new ArrayList<>(val.keySet());
        ranked.sort(Comparator.comparingDouble(val::get));
        Set<String> expected = new TreeSet<>();
        // 16 rows / 4 per step: the 4th step ends epoch 0, so its checkpoint is named ep1-ba4
        ranked.subList(0, 2).forEach(b -> expected.add(ComposerCheckpoints.fileName(b == 4 ? 1 : 0, b)));
        expected.add(ComposerCheckpoints.fileName(1, 4)); // the newest always stays (autoresume)
        assertEquals(expected, checkpointFiles(runDir), "val losses " + val);
        assertEquals(ComposerCheckpoints.fileName(1, 4), ComposerCheckpoints.latest(runDir.resolve("checkpoints"))
                .orElseThrow().getFileName().toString());
        List<Object> scores = rec.eventFields.stream().filter(f -> f.containsKey("val_loss") && f.containsKey("kind"))
                .map(f -> f.get("val_loss")).toList();
        assertEquals(new ArrayList<>(val.values()), scores, "each checkpoint_saved event names its score");

        // evaluation and save at the same step share one sampling of the eval prompts
        assertEquals(4, rec.events.stream().filter("samples"::equals).count());
        assertEquals("eval", rec.eventFields.get(rec.events.indexOf("samples")).get("trigger"));
    }

    @Test
    void weightsOnlyCheckpointsHoldTheModelAndCannotBeAutoresumed() {
        Path runDir = dir.resolve("weights");
        TrainFixtures.Recorder rec = run(runDir, new CheckpointPolicy(null, true), false, false);
        Path latest = ComposerCheckpoints.latest(runDir.resolve("checkpoints")).orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) TorchFile.read(latest);
        assertEquals(List.of("state"), new ArrayList<>(root.keySet()));
        assertEquals(List.of("model", "integrations", "metadata"),
                new ArrayList<>(((Map<?, ?>) root.get("state")).keySet()), "Composer's save_weights_only layout");
        ComposerCheckpoint cp = ComposerCheckpoint.read(latest);
        assertNull(cp.optimizer());
        assertNull(cp.timestamp());
        assertTrue(rec.eventFields.stream().anyMatch(f -> "composer_weights_only".equals(f.get("kind"))));

        TrainingException e = assertThrows(TrainingException.class, () -> run(runDir, CheckpointPolicy.DEFAULT,
                false, true));
        assertEquals("checkpoint " + latest + " holds model weights only (save_weights_only), no optimizer, scheduler"
                + " or timestamp, so autoresume cannot continue the run from it; start a new run with"
                + " custom_weights_path: " + latest + " to train on from its weights", e.getMessage());
    }

    @Test
    void evalPromptsAreSampledAtEveryCheckpointWithoutEvalData() {
        TrainFixtures.Recorder rec = run(dir.resolve("samples"), CheckpointPolicy.DEFAULT, false, false);
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < rec.events.size(); i++) {
            if (rec.events.get(i).equals("samples")) {
                Map<String, Object> f = rec.eventFields.get(i);
                assertEquals("checkpoint", f.get("trigger"));
                assertEquals(List.of(Map.of("prompt", "Hello?", "completion", "c")), f.get("samples"));
                at.add(rec.eventSteps.get(i));
                assertEquals("checkpoint_saved", rec.events.get(i + 1), "sampled right before the save");
            }
        }
        assertEquals(List.of(1L, 2L, 3L, 4L), at);
    }
}
