package dev.finetune4j.app;

import static dev.finetune4j.app.ModelProbes.logits;
import static dev.finetune4j.app.ModelProbes.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.peft.PeftAdapter;
import dev.finetune4j.checkpoint.peft.PeftConfig;
import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.data.Batch;
import dev.finetune4j.data.DatasetPreparer;
import dev.finetune4j.data.PreparedData;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.train.PromptSampler;
import dev.finetune4j.engine.train.Trainer;
import dev.finetune4j.engine.train.TrainingResult;
import dev.finetune4j.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a run exports reloads to the model it trained (docs/formats.md §4.2, §5): a LoRA run's PEFT adapter
 * ({@code huggingface/ba{N}/adapter_config.json + adapter_model.safetensors}) loaded onto the base folder gives the
 * trained model's logits, unmerged and merged; a full fine-tune's HF folder reloads via {@code HfModelFolder.open}
 * + {@code CausalLm.load} to identical logits.
 */
class ExportRoundTripTest {
    @TempDir
    Path dir;

    /** A base model folder with weights: the quickstart config + tokenizer, random weights exported by the app. */
    private Path baseFolder() {
        RunConfig c = config(AppFixtures.quickstart().resolve("model"), null);
        try (HfTokenizer tok = HfTokenizer.load(c.model());
             HfModelFolder qs = HfModelFolder.openConfigOnly(c.model());
             CausalLm model = CausalLm.random(dev.finetune4j.engine.model.ModelConfig.fromJson(qs.config()),
                     RunOptions.model(c, Device.cpu(), false))) {
            return new RunExporter(c, qs).export(model, dir.resolve("base"), false);
        }
    }

    private RunConfig config(Path model, Map<String, Object> lora) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("train_data_path", AppFixtures.someExamples(dir.resolve("data"), "train.jsonl", 8));
        m.put("task_type", "CHAT_COMPLETION");
        m.put("experiment_path", dir.resolve("runs"));
        m.put("run_name", lora == null ? "full" : "lora");
        m.put("training_duration", "2ba");
        m.put("learning_rate", 5e-3);
        m.put("context_length", 128);
        m.put("micro_batch_size", 2);
        m.put("global_batch_size", 4);
        m.put("precision", "fp32");
        m.put("device", "cpu");
        m.put("scheduler", Map.of("name", "constant"));
        m.put("preprocessing_num_workers", 1);
        m.put("seed", 3);
        if (lora != null) {
            m.put("lora", lora);
        }
        return RunConfig.fromMap(m, dir);
    }

    private record Trained(TrainingResult result, float[] logits, float[] baseLogits, Batch probe) {
    }

    private Trained train(RunConfig c) {
        try (HfTokenizer tok = HfTokenizer.load(c.model());
             HfModelFolder folder = HfModelFolder.open(c.model())) {
            PreparedData data = DatasetPreparer.prepare(RunOptions.data(c, 128, null, "llama"), tok);
            Batch probe = data.train().loader(2, 0).next();
            ModelOptions options = RunOptions.model(c, Device.cpu(), false);
            try (CausalLm model = CausalLm.load(folder, options)) {
                float[] before = logits(model, probe);
                TrainingResult r = new Trainer(model, data.train(), null, RunOptions.training(c, c.runDir()), null,
                        new RunExporter(c, folder), PromptSampler.NONE).run();
                return new Trained(r, logits(model, probe), before, probe);
            }
        }
    }

    @Test
    void loraAdapterReloadsOntoTheBaseAndMerges() throws Exception {
        Path base = baseFolder();
        RunConfig c = config(base, Map.of("r", 4, "alpha", 8, "dropout", 0.0, "target_modules", List.of("all-linear")));
        Trained t = train(c);
        Path export = c.runDir().resolve("huggingface/ba2");
        assertEquals(export, t.result().export());
        assertTrue(Files.isRegularFile(export.resolve("adapter_config.json")));
        assertTrue(Files.isRegularFile(export.resolve("adapter_model.safetensors")));
        JsonNode cfg = new ObjectMapper().readTree(export.resolve("adapter_config.json").toFile());
        assertEquals("LORA", cfg.get("peft_type").asText());
        assertEquals(4, cfg.get("r").asInt());
        assertEquals(8, cfg.get("lora_alpha").asInt());
        assertTrue(maxAbsDiff(t.logits(), t.baseLogits()) > 1e-3, "training must have changed the adapter");

        PeftAdapter adapter = PeftAdapter.read(export);
        assertEquals(2 * 7 * 4, adapter.tensors().size(), "A and B for 7 projections in each of 4 layers");
        // `finetune4j export` of the run's last Composer checkpoint writes the same adapter
        Path fromCheckpoint = CheckpointExport.export(t.result().lastCheckpoint(), base, dir.resolve("exported"),
                false).dir();
        PeftAdapter exported = PeftAdapter.read(fromCheckpoint);
        assertEquals(adapter.tensors(), exported.tensors(), "adapter from the checkpoint vs the run's export");
        assertEquals(adapter.config().r(), exported.config().r());
        assertEquals(adapter.config().loraAlpha(), exported.config().loraAlpha());
        assertEquals(adapter.config().targetModules(), exported.config().targetModules());

        // the reloaded model's adapters come from adapter_config.json alone, as PEFT would build them
        PeftConfig pc = adapter.config();
        LoraOptions fromFile = new LoraOptions(pc.r(), pc.loraAlpha(), 0.0, pc.targetModules(), pc.useRslora(),
                "default");
        try (HfModelFolder folder = HfModelFolder.open(Path.of(pc.baseModelNameOrPath()));
             CausalLm reloaded = CausalLm.load(folder, ModelOptions.cpu().withLora(fromFile))) {
            reloaded.loadStateDict(adapter.tensors(), false);
            float[] unmerged = logits(reloaded, t.probe());
            assertTrue(maxAbsDiff(t.logits(), unmerged) <= 1e-5, "adapter logits differ by "
                    + maxAbsDiff(t.logits(), unmerged));
            reloaded.mergeLora();
            float[] merged = logits(reloaded, t.probe());
            assertTrue(maxAbsDiff(t.logits(), merged) <= 1e-4, "merged logits differ by "
                    + maxAbsDiff(t.logits(), merged));
        }
    }

    @Test
    void fullFineTuneFolderReloadsToTheSameLogits() {
        Path base = baseFolder();
        RunConfig c = config(base, null);
        Trained t = train(c);
        Path export = c.runDir().resolve("huggingface/ba2");
        assertEquals(export, t.result().export());
        assertTrue(maxAbsDiff(t.logits(), t.baseLogits()) > 1e-3, "training must have changed the weights");
        try (HfModelFolder folder = HfModelFolder.open(export);
             CausalLm reloaded = CausalLm.load(folder, ModelOptions.cpu())) {
            assertEquals(0.0, maxAbsDiff(t.logits(), logits(reloaded, t.probe())), "fp32 export must be exact");
        }
    }
}
