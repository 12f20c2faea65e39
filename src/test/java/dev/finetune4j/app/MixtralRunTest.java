package dev.finetune4j.app;

import static dev.finetune4j.app.ModelProbes.logits;
import static dev.finetune4j.app.ModelProbes.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.hf.HfModelWriter;
import dev.finetune4j.checkpoint.hf.HfWriteOptions;
import dev.finetune4j.checkpoint.peft.PeftAdapter;
import dev.finetune4j.checkpoint.peft.PeftConfig;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.data.Batch;
import dev.finetune4j.data.DatasetPreparer;
import dev.finetune4j.data.PreparedData;
import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.train.PromptSampler;
import dev.finetune4j.engine.train.Trainer;
import dev.finetune4j.engine.train.TrainingResult;
import dev.finetune4j.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Mixtral run end to end on a tiny random MixtralForCausalLM folder (the quickstart's tokenizer): LoRA on the
 * router and the experts with the load-balancing loss on and activation checkpointing, whose PEFT adapter (from the
 * run and from its Composer checkpoint via {@code export}) reloads onto the base to the trained logits, unmerged and
 * merged; and a full fine-tune whose HF folder reloads exactly, {@code config.json} naming the Mixtral class.
 */
class MixtralRunTest {
    @TempDir
    Path dir;

    /** A tiny random Mixtral folder: config.json, safetensors, the quickstart tokenizer. */
    static Path mixtralFolder(Path out) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("MixtralForCausalLM");
        c.put("model_type", "mixtral");
        c.put("vocab_size", 101);
        c.put("hidden_size", 32);
        c.put("intermediate_size", 48);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("max_position_embeddings", 256);
        c.put("num_local_experts", 4);
        c.put("num_experts_per_tok", 2);
        c.put("output_router_logits", true);
        c.put("router_aux_loss_coef", 0.02);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 4);
        c.put("pad_token_id", 0);
        c.put("initializer_range", 0.1);
        ModelConfig config = ModelConfig.fromJson(c);
        try (CausalLm m = CausalLm.random(config, ModelOptions.cpu())) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
            HfModelWriter.write(out, config.toJson(), new ArrayList<>(sd.keySet()), sd::get,
                    HfWriteOptions.defaults().withTokenizerSourceDir(AppFixtures.quickstart().resolve("model")));
        }
        return out;
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
        m.put("activation_checkpointing", true);
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
                assertTrue(Double.isFinite(r.lastLoss()), "loss " + r.lastLoss());
                return new Trained(r, logits(model, probe), before, probe);
            }
        }
    }

    @Test
    void loraOnRouterAndExpertsExportsAPeftAdapterThatReloads() throws Exception {
        Path base = mixtralFolder(dir.resolve("base"));
        RunConfig c = config(base, Map.of("r", 4, "alpha", 8, "dropout", 0.0,
                "target_modules", List.of("q_proj", "gate", "w1", "w2", "w3")));
        Trained t = train(c);
        Path export = c.runDir().resolve("huggingface/ba2");
        assertEquals(export, t.result().export());
        JsonNode cfg = new ObjectMapper().readTree(export.resolve("adapter_config.json").toFile());
        List<String> targets = new ArrayList<>();
        cfg.get("target_modules").forEach(n -> targets.add(n.asText()));
        assertEquals(List.of("q_proj", "gate", "w1", "w2", "w3"), targets);
        assertTrue(maxAbsDiff(t.logits(), t.baseLogits()) > 1e-3, "training must have changed the adapters");
        PeftAdapter adapter = PeftAdapter.read(export);
        // A and B of q_proj, the router and 4 experts × 3 in each of 2 layers
        assertEquals(2 * (1 + 1 + 4 * 3) * 2, adapter.tensors().size());
        assertTrue(adapter.tensors().containsKey(
                "base_model.model.model.layers.1.block_sparse_moe.experts.3.w2.lora_B.weight"));
        assertTrue(adapter.tensors().containsKey("base_model.model.model.layers.0.block_sparse_moe.gate.lora_A.weight"));
        Path fromCheckpoint = CheckpointExport.export(t.result().lastCheckpoint(), base, dir.resolve("exported"),
                false).dir();
        assertEquals(adapter.tensors(), PeftAdapter.read(fromCheckpoint).tensors(), "checkpoint export vs run export");
        PeftConfig pc = adapter.config();
        LoraOptions fromFile = new LoraOptions(pc.r(), pc.loraAlpha(), 0.0, pc.targetModules(), pc.useRslora(),
                "default");
        try (HfModelFolder folder = HfModelFolder.open(base);
             CausalLm reloaded = CausalLm.load(folder, ModelOptions.cpu().withLora(fromFile))) {
            reloaded.loadStateDict(adapter.tensors(), false);
            assertTrue(maxAbsDiff(t.logits(), logits(reloaded, t.probe())) <= 1e-5, "adapter logits");
            reloaded.mergeLora();
            assertTrue(maxAbsDiff(t.logits(), logits(reloaded, t.probe())) <= 1e-4, "merged logits");
        }
    }

    @Test
    void fullFineTuneFolderReloadsToTheSameLogits() throws Exception {
        Path base = mixtralFolder(dir.resolve("base"));
        RunConfig c = config(base, null);
        Trained t = train(c);
        Path export = c.runDir().resolve("huggingface/ba2");
        assertTrue(maxAbsDiff(t.logits(), t.baseLogits()) > 1e-3, "training must have changed the weights");
        JsonNode cfg = new ObjectMapper().readTree(export.resolve("config.json").toFile());
        assertEquals("mixtral", cfg.get("model_type").asText());
        assertEquals("MixtralForCausalLM", cfg.get("architectures").get(0).asText());
        assertEquals(4, cfg.get("num_local_experts").asInt());
        assertTrue(cfg.get("output_router_logits").asBoolean());
        try (HfModelFolder folder = HfModelFolder.open(export);
             CausalLm reloaded = CausalLm.load(folder, ModelOptions.cpu())) {
            assertEquals(0.0, maxAbsDiff(t.logits(), logits(reloaded, t.probe())), "fp32 export must be exact");
        }
        // `export --merge`-free full checkpoint export writes the same weights
        Path fromCheckpoint = CheckpointExport.export(t.result().lastCheckpoint(), base, dir.resolve("exported"),
                false).dir();
        try (HfModelFolder folder = HfModelFolder.open(fromCheckpoint);
             CausalLm reloaded = CausalLm.load(folder, ModelOptions.cpu())) {
            assertEquals(0.0, maxAbsDiff(t.logits(), logits(reloaded, t.probe())), "checkpoint export");
        }
        assertTrue(Files.isRegularFile(fromCheckpoint.resolve("tokenizer.json"))
                || Files.isRegularFile(fromCheckpoint.resolve("tokenizer.model"))
                || Files.list(fromCheckpoint).count() > 1);
    }
}
