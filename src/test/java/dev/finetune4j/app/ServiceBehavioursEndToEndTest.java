package dev.finetune4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import dev.finetune4j.config.RunConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The managed services' behaviours in one short run without eval data, configured with SageMaker key names: eval
 * prompts are sampled at every checkpoint (events.jsonl "samples" and a TensorBoard text summary), save_top_k by the
 * training loss keeps one checkpoint plus the newest, the checkpoint names the transformers class Composer writes,
 * and {@code register_to: registry/} registers the model under the run name.
 */
class ServiceBehavioursEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void samplesAtEveryCheckpointTopKAndRegistrationUnderTheRunName() throws Exception {
        AppFixtures.someExamples(dir.resolve("data"), "train.jsonl", 12);
        Files.writeString(dir.resolve("config.yaml"), String.join("\n",
                "model: " + AppFixtures.quickstart().resolve("model"),
                "train_data_path: data/train.jsonl",
                "experiment_path: runs",
                "run_name: svc",
                "max_steps: 3",
                "learning_rate: 2.0e-3",
                "max_input_length: 128",
                "per_device_train_batch_size: 2",
                "global_batch_size: 4",
                "precision: fp32",
                "device: cpu",
                "save_interval: 1ba",
                "save_top_k: {k: 1, monitor: loss, mode: min}",
                "eval_prompts: [Hello]",
                "register_to: registry/",
                "max_val_samples: -1",
                "preprocessing_num_workers: 1",
                "progress: none", ""));
        RunConfig config = RunConfig.load(dir.resolve("config.yaml"));
        assertEquals(128, config.contextLength());
        RunResult result;
        try (FineTuneRun run = FineTune.create(config, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8))) {
            result = run.await();
        }
        assertEquals(3, result.batches());
        Path runDir = dir.resolve("runs/svc");
        ObjectMapper json = new ObjectMapper();
        List<Long> sampledAt = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("events.jsonl"))) {
            JsonNode e = json.readTree(line);
            if (e.get("event").asText().equals("samples")) {
                assertEquals("checkpoint", e.get("trigger").asText());
                assertEquals("Hello", e.get("samples").get(0).get("prompt").asText());
                assertTrue(e.get("samples").get(0).get("completion").isTextual());
                sampledAt.add(e.get("step").asLong());
            }
            if (e.get("event").asText().equals("checkpoint_saved") && e.get("kind").asText().equals("composer")) {
                losses.add(e.get("loss").asDouble());
            }
        }
        assertEquals(List.of(1L, 2L, 3L), sampledAt, "eval prompts at every checkpoint, no eval data needed");
        byte[] tb;
        try (var files = Files.list(runDir.resolve("tensorboard"))) {
            tb = Files.readAllBytes(files.findFirst().orElseThrow());
        }
        String tbText = new String(tb, StandardCharsets.ISO_8859_1);
        assertTrue(tbText.contains("eval_prompts") && tbText.contains("Hello"), "a text summary in TensorBoard");

        // save_top_k 1 by training loss: the best checkpoint and the newest remain
        assertEquals(3, losses.size());
        int best = losses.indexOf(losses.stream().min(Double::compare).orElseThrow());
        List<String> kept = ComposerCheckpoints.list(runDir.resolve("checkpoints")).stream()
                .map(p -> p.getFileName().toString().replaceFirst("^ep\\d+-", "")).toList();
        List<String> expected = best == 2 ? List.of("ba3-rank0.pt") : List.of("ba" + (best + 1) + "-rank0.pt",
                "ba3-rank0.pt");
        assertEquals(expected, kept, "losses " + losses);

        ComposerCheckpoint cp = ComposerCheckpoint.read(result.lastCheckpoint());
        Map<?, ?> cfg = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) cp.integrations().get("huggingface")).get("model"))
                .get("config");
        assertEquals("transformers.models.llama.modeling_llama.LlamaForCausalLM", cfg.get("class"));

        assertEquals(dir.resolve("registry/svc/1").toRealPath(), result.registered().toRealPath());
    }
}
