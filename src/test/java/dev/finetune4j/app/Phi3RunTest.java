package dev.finetune4j.app;

import static dev.finetune4j.app.ModelProbes.logits;
import static dev.finetune4j.app.ModelProbes.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.finetune4j.cli.CliRun;
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
 * The user paths on a tiny random Phi-3 (fused projections, longrope, sliding window) saved with the quickstart's
 * tokenizer: {@code plan}, {@code score}, {@code generate}, a LoRA run on the fused projections whose PEFT adapter
 * and Composer checkpoint export reload onto the base, and {@code export --merge} of that checkpoint.
 */
class Phi3RunTest {

    @TempDir
    Path dir;

    private Path baseFolder() {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("Phi3ForCausalLM");
        c.put("model_type", "phi3");
        c.put("vocab_size", 101);
        c.put("hidden_size", 32);
        c.put("intermediate_size", 48);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("max_position_embeddings", 256);
        c.put("original_max_position_embeddings", 32);
        c.put("sliding_window", 48);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 4);
        c.put("pad_token_id", 0);
        ObjectNode s = c.putObject("rope_scaling");
        s.put("type", "longrope");
        List.of(1.0, 1.05, 1.1, 1.2).forEach(s.putArray("short_factor")::add);
        List.of(1.5, 2.5, 4.0, 8.0).forEach(s.putArray("long_factor")::add);
        ModelConfig config = ModelConfig.fromJson(c);
        Path out = dir.resolve("phi3-base");
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
        m.put("run_name", "phi3-lora");
        m.put("training_duration", "2ba");
        m.put("learning_rate", 5e-3);
        m.put("context_length", 64);
        m.put("micro_batch_size", 2);
        m.put("global_batch_size", 4);
        m.put("precision", "fp32");
        m.put("device", "cpu");
        m.put("scheduler", Map.of("name", "constant"));
        m.put("preprocessing_num_workers", 1);
        m.put("seed", 3);
        m.put("lora", lora);
        return RunConfig.fromMap(m, dir);
    }

    @Test
    void planScoreAndGenerate() throws Exception {
        Path base = baseFolder();
        Path yaml = dir.resolve("plan.yaml");
        Files.writeString(yaml, "model: " + base + "\ntrain_data_path: "
                + AppFixtures.someExamples(dir.resolve("data"), "train.jsonl", 4) + "\ncontext_length: 64\n"
                + "device: cpu\nlora: {r: 4, target_modules: [qkv_proj, gate_up_proj]}\n");
        CliRun plan = CliRun.of("plan", yaml.toString(), "--json", "--device-memory", "1");
        assertEquals(0, plan.exitCode(), plan.stderr());
        JsonNode p = new ObjectMapper().readTree(plan.out());
        // embed + head 2·101·32, per layer: norms 2·32, qkv (4+2·2)·8·32, o 32·32, gate_up 2·48·32, down 32·48
        assertEquals(2 * 101 * 32 + 2 * (64 + 64 * 32 + 32 * 32 + 96 * 32 + 32 * 48) + 32, p.get("parameters").asLong());
        // LoRA r=4 on qkv_proj (in 32, out 64) and gate_up_proj (in 32, out 96) in 2 layers
        assertEquals(2 * (4 * (32 + 64) + 4 * (32 + 96)), p.get("trainable_parameters").asLong());

        Path text = dir.resolve("t.txt");
        Files.writeString(text, "hello there, a short text to score with a tiny phi-3 model.");
        CliRun score = CliRun.of("score", "--model", base.toString(), "--text-file", text.toString(), "--device",
                "cpu");
        assertEquals(0, score.exitCode(), score.stderr());
        JsonNode s = new ObjectMapper().readTree(score.out());
        assertTrue(s.get("tokens").asInt() > 32, "crosses original_max_position_embeddings: " + score.out());
        assertTrue(Double.isFinite(s.get("loss").asDouble()) && s.get("loss").asDouble() > 0, score.out());

        // 40 new tokens after a short prompt: generation crosses the original context (32) and recomputes once
        CliRun gen = CliRun.of("generate", "--model", base.toString(), "--prompt", "hi", "--max-new-tokens", "40",
                "--greedy", "--device", "cpu");
        assertEquals(0, gen.exitCode(), gen.stderr());
        assertFalse(gen.out().isBlank());
    }

    @Test
    void planCountsPhi3MiniFromItsConfigJson() throws Exception {
        Path yaml = AppFixtures.quickstart().getParent().resolve("plan/phi3-lora.yaml");
        CliRun plan = CliRun.of("plan", yaml.toString(), "--device-memory", "24", "--json");
        assertEquals(0, plan.exitCode(), plan.stderr());
        JsonNode p = new ObjectMapper().readTree(plan.out());
        // Phi-3-mini's published size: 3,821,079,552 parameters (vocab 32064 × 3072 twice, 32 layers of fused
        // qkv 9216 × 3072, o 3072², gate_up 16384 × 3072, down 3072 × 8192 and two norms, the final norm)
        assertEquals(3_821_079_552L, p.get("parameters").asLong());
        // LoRA r=16: per layer 16·(3072 + 9216) + 16·(3072 + 3072) + 16·(3072 + 16384) + 16·(8192 + 3072)
        assertEquals(32L * 16 * ((3072 + 9216) + (3072 + 3072) + (3072 + 16384) + (8192 + 3072)),
                p.get("trainable_parameters").asLong());
        assertTrue(p.get("fits").asBoolean(), plan.out());
    }

    @Test
    void loraOnFusedProjectionsExportsPeftAndComposerAndMerges() throws Exception {
        Path base = baseFolder();
        RunConfig c = config(base, Map.of("r", 4, "alpha", 8, "dropout", 0.0,
                "target_modules", List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj")));
        float[] trained;
        Batch probe;
        TrainingResult r;
        try (HfTokenizer tok = HfTokenizer.load(c.model()); HfModelFolder folder = HfModelFolder.open(c.model())) {
            PreparedData data = DatasetPreparer.prepare(RunOptions.data(c, 64, null, "phi3"), tok);
            probe = data.train().loader(2, 0).next();
            try (CausalLm model = CausalLm.load(folder, RunOptions.model(c, Device.cpu(), false))) {
                r = new Trainer(model, data.train(), null, RunOptions.training(c, c.runDir()), null,
                        new RunExporter(c, folder), PromptSampler.NONE).run();
                trained = logits(model, probe);
            }
        }
        Path export = c.runDir().resolve("huggingface/ba2");
        PeftAdapter adapter = PeftAdapter.read(export);
        assertEquals(2 * 4 * 2, adapter.tensors().size(), "A and B for 4 projections in each of 2 layers");
        assertTrue(adapter.tensors().containsKey("base_model.model.model.layers.0.self_attn.qkv_proj.lora_A.weight"),
                adapter.tensors().keySet().toString());
        assertTrue(adapter.tensors().containsKey("base_model.model.model.layers.1.mlp.gate_up_proj.lora_B.weight"));
        assertEquals(java.util.Set.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj"),
                java.util.Set.copyOf(adapter.config().targetModules()));

        // `finetune4j export` of the Composer checkpoint writes the same adapter
        PeftAdapter exported = PeftAdapter.read(CheckpointExport.export(r.lastCheckpoint(), base,
                dir.resolve("exported"), false).dir());
        assertEquals(adapter.tensors(), exported.tensors());

        PeftConfig pc = adapter.config();
        try (HfModelFolder folder = HfModelFolder.open(base);
             CausalLm reloaded = CausalLm.load(folder, ModelOptions.cpu().withLora(new LoraOptions(pc.r(),
                     pc.loraAlpha(), 0.0, pc.targetModules(), pc.useRslora(), "default")))) {
            reloaded.loadStateDict(adapter.tensors(), false);
            assertTrue(maxAbsDiff(trained, logits(reloaded, probe)) <= 1e-5);
        }
        // --merge: a plain Phi-3 folder under the fused names with the adapters folded in
        Path merged = CheckpointExport.export(r.lastCheckpoint(), base, dir.resolve("merged"), true).dir();
        try (HfModelFolder folder = HfModelFolder.open(merged);
             CausalLm m = CausalLm.load(folder, ModelOptions.cpu())) {
            assertTrue(folder.names().contains("model.layers.0.self_attn.qkv_proj.weight"));
            assertEquals("phi3", folder.config().get("model_type").asText());
            assertTrue(maxAbsDiff(trained, logits(m, probe)) <= 1e-4);
        }
    }
}
