package dev.finetune4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import dev.finetune4j.config.ConfigException;
import dev.finetune4j.config.RunConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding API end to end on the quickstart model folder (random init from config.json, character tokenizer)
 * with a handful of chat examples and {@code training_duration: 3ba}: the run folder holds run.yaml, metrics.jsonl,
 * events.jsonl in lifecycle order, tensorboard/, Composer checkpoints with latest-rank0.pt, and huggingface/ba3/.
 * Bad configurations fail with messages naming the key or the file.
 */
class FineTuneEndToEndTest {
    @TempDir
    Path dir;

    private Path writeConfig(String extra) throws Exception {
        AppFixtures.someExamples(dir.resolve("data"), "train.jsonl", 12);
        AppFixtures.someExamples(dir.resolve("data"), "eval.jsonl", 4);
        String yaml = String.join("\n",
                "model: " + AppFixtures.quickstart().resolve("model"),
                "train_data_path: data/train.jsonl",
                "eval_data_path: data/eval.jsonl",
                "task_type: CHAT_COMPLETION",
                "experiment_path: runs",
                "run_name: e2e",
                "training_duration: 3ba",
                "learning_rate: 2.0e-3",
                "context_length: 128",
                "micro_batch_size: 2",
                "global_batch_size: 4",
                "precision: fp32",
                "device: cpu",
                "seed: 17",
                "save_interval: 2ba",
                "preprocessing_num_workers: 1",
                "progress: none",
                extra, "");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, yaml);
        return config;
    }

    @Test
    void stopAndWaitReturnsAfterTheStoppedRunSavedItsCheckpoint() throws Exception {
        RunConfig config = RunConfig.load(writeConfig(""), List.of("training_duration=1000ba", "save_interval=500ba"));
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (FineTuneRun run = FineTune.create(config, new PrintStream(console, true, StandardCharsets.UTF_8))) {
            run.start();
            Path metrics = dir.resolve("runs/e2e/metrics.jsonl");
            long deadline = System.nanoTime() + 120_000_000_000L;
            while ((!Files.exists(metrics) || Files.size(metrics) == 0) && System.nanoTime() < deadline) {
                Thread.sleep(50); // wait until training has begun
            }
            assertTrue(run.stopAndWait(java.time.Duration.ofMinutes(2)), "the run finished after the stop request");
            // before await(): stopAndWait itself must only return once the checkpoint is written
            Path latest = ComposerCheckpoints.latest(dir.resolve("runs/e2e/checkpoints")).orElseThrow();
            RunResult result = run.await();
            assertEquals("stopped", result.stopReason());
            assertTrue(result.batches() < 1000, "stopped early, after " + result.batches() + " batches");
            assertEquals(result.lastCheckpoint().toRealPath(), latest.toRealPath(),
                    "latest points at the checkpoint of the stop");
            assertEquals(result.batches(), ComposerCheckpoint.read(result.lastCheckpoint()).timestamp().batch());
        }
    }

    @Test
    void threeBatchRunWritesTheWholeRunFolder() throws Exception {
        RunConfig config = RunConfig.load(writeConfig(""));
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        RunResult result;
        try (FineTuneRun run = FineTune.create(config, new PrintStream(console, true, StandardCharsets.UTF_8))) {
            result = run.await();
        }
        Path runDir = dir.resolve("runs/e2e");
        assertEquals(runDir.toRealPath(), result.runDir().toRealPath());
        assertEquals(3, result.batches());
        assertEquals("duration", result.stopReason());
        assertTrue(Double.isFinite(result.trainLoss()) && result.valLoss() != null && Double.isFinite(result.valLoss()));

        assertTrue(Files.isRegularFile(runDir.resolve("run.yaml")));
        assertEquals("e2e", RunConfig.load(runDir.resolve("run.yaml")).runName(), "run.yaml reads back");
        ObjectMapper json = new ObjectMapper();

        List<String> events = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("events.jsonl"))) {
            events.add(json.readTree(line).get("event").asText());
        }
        assertInOrder(events, List.of("created", "data_validated", "training_started", "checkpoint_saved", "eval",
                "checkpoint_saved", "completed"));
        assertEquals("completed", events.get(events.size() - 1));

        List<JsonNode> metrics = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            metrics.add(json.readTree(line));
        }
        assertTrue(metrics.stream().anyMatch(m -> m.toString().contains("loss")), "metrics.jsonl has losses");

        try (var tb = Files.list(runDir.resolve("tensorboard"))) {
            assertTrue(tb.anyMatch(p -> p.getFileName().toString().startsWith("events.out.tfevents")),
                    "tensorboard/ has an event file");
        }
        Path checkpoints = runDir.resolve("checkpoints");
        List<Path> saved = ComposerCheckpoints.list(checkpoints);
        assertEquals(2, saved.size(), "save_interval 2ba + end of training: " + saved);
        assertTrue(saved.get(0).getFileName().toString().matches("ep\\d+-ba2-rank0\\.pt"), saved.toString());
        Path last = saved.get(1);
        assertTrue(last.getFileName().toString().matches("ep\\d+-ba3-rank0\\.pt"), saved.toString());
        assertTrue(Files.isSymbolicLink(checkpoints.resolve("latest-rank0.pt")));
        assertEquals(last.toRealPath(), checkpoints.resolve("latest-rank0.pt").toRealPath());
        assertEquals(3, ComposerCheckpoint.read(last).timestamp().batch());
        Path hf = runDir.resolve("huggingface/ba3");
        assertEquals(hf.toRealPath(), result.export().toRealPath());
        assertTrue(Files.isRegularFile(hf.resolve("config.json")));
        assertTrue(Files.isRegularFile(hf.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(hf.resolve("tokenizer.json")));
    }

    @Test
    void unknownKeyIsNamed() throws Exception {
        Path config = writeConfig("learning_rat: 1.0e-3");
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfig.load(config));
        assertTrue(e.getMessage().contains("learning_rat"), e.getMessage());
        assertTrue(e.getMessage().contains("config.yaml"), e.getMessage());
    }

    @Test
    void missingTrainDataFileIsNamed() throws Exception {
        Path config = writeConfig("");
        Files.writeString(config, Files.readString(config).replace("data/train.jsonl", "data/nope.jsonl"));
        RuntimeException e = assertThrows(RuntimeException.class, () -> {
            RunConfig c = RunConfig.load(config);
            try (FineTuneRun run = FineTune.create(c, new PrintStream(new ByteArrayOutputStream()))) {
                run.await();
            }
        });
        assertTrue(e.getMessage().contains("nope.jsonl"), e.getMessage());
        assertTrue(e.getMessage().contains("train_data_path"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("runs/e2e")), "no run folder is created for a bad configuration");
    }

    private static void assertInOrder(List<String> actual, List<String> expectedSubsequence) {
        int i = 0;
        for (String e : actual) {
            if (i < expectedSubsequence.size() && e.equals(expectedSubsequence.get(i))) {
                i++;
            }
        }
        assertEquals(expectedSubsequence.size(), i, "events " + actual + " should contain " + expectedSubsequence
                + " in this order");
    }
}
