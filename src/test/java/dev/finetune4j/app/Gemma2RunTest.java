package dev.finetune4j.app;

import static dev.finetune4j.app.ModelProbes.logits;
import static dev.finetune4j.app.ModelProbes.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.hf.HfModelWriter;
import dev.finetune4j.checkpoint.hf.HfWriteOptions;
import dev.finetune4j.checkpoint.peft.PeftAdapter;
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
 * The user paths on a tiny random Gemma 2 (every family feature on, the quickstart's character tokenizer): a LoRA
 * run whose PEFT adapter and Composer checkpoint reload to the trained model (unmerged and merged), the checkpoint
 * naming {@code Gemma2ForCausalLM} for Composer, and {@code plan}, {@code score}, {@code generate} through the CLI.
 */
class Gemma2RunTest {
    @TempDir
    Path dir;

    /** A Gemma 2 folder with random weights and the quickstart tokenizer (vocabulary 101). */
    private Path baseFolder() {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("model_type", "gemma2");
        c.putArray("architectures").add("Gemma2ForCausalLM");
        c.put("vocab_size", 101);
        c.put("hidden_size", 32);
        c.put("intermediate_size", 48);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("head_dim", 16);
        c.put("query_pre_attn_scalar", 12);
        c.put("sliding_window", 8);
        c.put("attn_logit_softcapping", 2.0);
        c.put("final_logit_softcapping", 3.0);
        c.put("max_position_embeddings", 256);
        c.put("initializer_range", 0.3);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 4);
        c.put("pad_token_id", 0);
        ModelConfig config = ModelConfig.fromJson(c);
        Path out = dir.resolve("gemma2-base");
        try (CausalLm m = CausalLm.random(config, ModelOptions.cpu())) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
            HfModelWriter.write(out, config.toJson(), new ArrayList<>(sd.keySet()), sd::get,
                    HfWriteOptions.defaults().withTiedLmHead(true)
                            .withTokenizerSourceDir(AppFixtures.quickstart().resolve("model")));
        }
        return out;
    }

    private RunConfig config(Path model) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("train_data_path", AppFixtures.someExamples(dir.resolve("data"), "train.jsonl", 8));
        m.put("task_type", "CHAT_COMPLETION");
        m.put("experiment_path", dir.resolve("runs"));
        m.put("run_name", "gemma2-lora");
        m.put("training_duration", "2ba");
        m.put("learning_rate", 2e-2);
        m.put("context_length", 128);
        m.put("micro_batch_size", 2);
        m.put("global_batch_size", 4);
        m.put("precision", "fp32");
        m.put("device", "cpu");
        m.put("scheduler", Map.of("name", "constant"));
        m.put("preprocessing_num_workers", 1);
        m.put("seed", 3);
        m.put("lora", Map.of("r", 4, "alpha", 8, "dropout", 0.0, "target_modules", List.of("all-linear")));
        return RunConfig.fromMap(m, dir);
    }

    @Test
    void loraRunExportsAnAdapterAndACheckpointThatReloadToTheTrainedModel() throws Exception {
        Path base = baseFolder();
        RunConfig c = config(base);
        float[] trained;
        float[] before;
        Batch probe;
        TrainingResult r;
        try (HfTokenizer tok = HfTokenizer.load(c.model()); HfModelFolder folder = HfModelFolder.open(c.model())) {
            PreparedData data = DatasetPreparer.prepare(RunOptions.data(c, 128, null, "gemma2"), tok);
            probe = data.train().loader(2, 0).next();
            try (CausalLm model = CausalLm.load(folder, RunOptions.model(c, Device.cpu(), false))) {
                assertEquals("gemma2", model.config().modelType());
                before = logits(model, probe);
                r = new Trainer(model, data.train(), null, RunOptions.training(c, c.runDir()), null,
                        new RunExporter(c, folder), PromptSampler.NONE).run();
                trained = logits(model, probe);
            }
        }
        assertTrue(maxAbsDiff(trained, before) > 1e-3, "training must have changed the adapters");
        Path export = c.runDir().resolve("huggingface/ba2");
        assertEquals(export, r.export());
        PeftAdapter adapter = PeftAdapter.read(export);
        assertEquals(2 * 7 * 2, adapter.tensors().size(), "A and B of q,k,v,o,gate,up,down in 2 layers");
        assertTrue(adapter.tensors().containsKey("base_model.model.model.layers.1.mlp.gate_proj.lora_A.weight"),
                adapter.tensors().keySet().toString());

        ComposerCheckpoint cp = ComposerCheckpoint.read(r.lastCheckpoint());
        Map<?, ?> cfg = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) cp.integrations().get("huggingface")).get("model"))
                .get("config");
        assertEquals("transformers.models.gemma2.modeling_gemma2.Gemma2ForCausalLM", cfg.get("class"));
        PeftAdapter fromCheckpoint = PeftAdapter.read(CheckpointExport.export(r.lastCheckpoint(), base,
                dir.resolve("exported"), false).dir());
        assertEquals(adapter.tensors(), fromCheckpoint.tensors(), "adapter from the checkpoint vs the run's export");

        try (HfModelFolder folder = HfModelFolder.open(base);
             CausalLm reloaded = CausalLm.load(folder, ModelOptions.cpu().withLora(
                     LoraOptions.fromPeft(adapter.config())))) {
            reloaded.loadAdapter(adapter);
            assertTrue(maxAbsDiff(trained, logits(reloaded, probe)) <= 1e-5, "adapter reloaded");
        }
        Path merged = CheckpointExport.export(r.lastCheckpoint(), base, dir.resolve("merged"), true).dir();
        try (HfModelFolder folder = HfModelFolder.open(merged); CausalLm m = CausalLm.load(folder,
                ModelOptions.cpu())) {
            assertEquals("Gemma2ForCausalLM", folder.config().get("architectures").get(0).asText());
            assertTrue(maxAbsDiff(trained, logits(m, probe)) <= 1e-4, "merged folder");
        }
    }

    @Test
    void planScoreAndGenerateRunOnAGemma2Folder() throws Exception {
        Path base = baseFolder();
        Path yaml = Files.writeString(dir.resolve("plan.yaml"), "model: " + base + "\ntrain_data_path: "
                + dir.resolve("train.jsonl") + "\ncontext_length: 64\nmicro_batch_size: 2\ndevice: cpu\n"
                + "experiment_path: " + dir + "\n");
        CliRun plan = CliRun.of("plan", yaml.toString(), "--device-memory", "8", "--json");
        assertEquals(0, plan.exitCode(), plan.stderr());
        JsonNode p = new ObjectMapper().readTree(plan.out());
        long params;
        try (HfModelFolder f = HfModelFolder.open(base); CausalLm m = CausalLm.load(f, ModelOptions.cpu())) {
            params = m.parameterCount();
        }
        assertEquals(params, p.get("parameters").asLong());

        Path text = Files.writeString(dir.resolve("t.txt"), "What is 35 + 21? 35 + 21 = 56");
        CliRun score = CliRun.of("score", "--model", base.toString(), "--text-file", text.toString(), "--device",
                "cpu");
        assertEquals(0, score.exitCode(), score.stderr());
        JsonNode s = new ObjectMapper().readTree(score.out());
        int[] ids;
        try (HfTokenizer t = HfTokenizer.load(base)) {
            ids = t.encode("What is 35 + 21? 35 + 21 = 56", true);
        }
        double want;
        try (HfModelFolder f = HfModelFolder.open(base); CausalLm m = CausalLm.load(f, ModelOptions.cpu());
             NDScope scope = new NDScope()) {
            int[] pos = new int[ids.length];
            for (int i = 0; i < pos.length; i++) {
                pos[i] = i;
            }
            want = m.loss(new Batch(1, ids.length, ids, ids, pos, new int[][] {{0, ids.length}}, ids.length,
                    ids.length - 1), false).mean();
        }
        assertEquals(want, s.get("loss").asDouble(), 1e-5, "score uses the soft-capped logits");

        CliRun gen = CliRun.of("generate", "--model", base.toString(), "--prompt", "What is", "--max-new-tokens",
                "12", "--device", "cpu");
        assertEquals(0, gen.exitCode(), gen.stderr());
    }
}
