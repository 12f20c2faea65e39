package dev.finetune4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.finetune4j.config.RunConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config → engine wiring: every key of {@link RunConfig#keys()} set to a non-default value must change what the data
 * module, the model and the training loop receive ({@link RunOptions}), or what the run's other consumers read. A key
 * that is parsed but never handed on fails here (as {@code eval_batch_size} once did); a new key fails until it gets a
 * row in {@link #CASES}.
 */
class RunOptionsWiringTest {

    @TempDir
    static Path tmp;

    /** One key: extra settings of the baseline (so the key's block exists), and the same with the key changed. */
    private record Case(Map<String, Object> baseline, Map<String, Object> changed) {
    }

    private static final Map<String, Case> CASES = new LinkedHashMap<>();

    private static void set(String key, Object value) {
        set(key, Map.of(), value);
    }

    /** {@code key} (dotted for blocks) changed to {@code value} on top of {@code baseline}. */
    private static void set(String key, Map<String, Object> baseline, Object value) {
        Map<String, Object> base = new LinkedHashMap<>(baseline);
        Map<String, Object> changed = deepCopy(base);
        int dot = key.indexOf('.');
        if (dot < 0) {
            changed.put(key, value);
        } else {
            String block = key.substring(0, dot);
            base.putIfAbsent(block, Map.of());
            @SuppressWarnings("unchecked")
            Map<String, Object> inner = new LinkedHashMap<>((Map<String, Object>) changed.getOrDefault(block, Map.of()));
            inner.put(key.substring(dot + 1), value);
            changed.put(block, inner);
        }
        CASES.put(key, new Case(base, changed));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> inner ? deepCopy((Map<String, Object>) inner) : v));
        return out;
    }

    static {
        Map<String, Object> withEval = Map.of("validation_split_ratio", 0.1);
        Map<String, Object> withLora = Map.of("lora", Map.of());
        set("run_name", "other-name");
        set("model", "other-model");
        set("train_data_path", "other.jsonl");
        set("task_type", "INSTRUCTION_FINETUNE");
        set("eval_data_path", "eval.jsonl");
        set("eval_prompts", List.of("Hi?"));
        set("custom_weights_path", "ckpt.pt");
        set("training_duration", "7ba");
        set("learning_rate", 1e-4);
        set("context_length", 64);
        set("validate_inputs", false);
        set("register_to", "registry/my-model");
        set("experiment_path", "elsewhere");
        set("seed", 5);
        set("micro_batch_size", 2);
        set("global_batch_size", 4);
        set("eval_batch_size", 3);
        set("optimizer.name", "adamw");
        set("optimizer.betas", List.of(0.9, 0.99));
        set("optimizer.weight_decay", 0.01);
        set("optimizer.eps", Map.of("optimizer", Map.of("name", "adamw")), 1e-6);
        set("scheduler.name", "cosine_with_warmup");
        set("scheduler.t_warmup", "10ba");
        set("scheduler.warmup_steps", 10);
        set("scheduler.alpha_i", 0.5);
        set("scheduler.alpha_f", 0.1);
        set("scheduler.min_lr", 1e-8);
        set("gradient_clip_val", 0.5);
        set("lora", Map.of());
        set("early_stopping", withEval, Map.of());
        set("lora.r", 4);
        set("lora.alpha", 8);
        set("lora.dropout", 0.1);
        set("lora.target_modules", List.of("q_proj", "k_proj"));
        set("lora.use_rslora", true);
        set("lora.loraplus_lr_ratio", 16);
        set("int8_quantization", withLora, true);
        set("dropout.hidden", 0.1);
        set("dropout.attention", 0.1);
        set("dropout.ffn", 0.1);
        set("precision", "bf16");
        set("device", "cpu");
        set("packing", false);
        set("target_prompts", "all");
        set("target_responses", "all");
        set("save_interval", "5ba");
        set("save_num_checkpoints_to_keep", 2);
        set("autoresume", true);
        set("max_train_samples", 5);
        set("max_val_samples", 5);
        set("validation_split_ratio", 0.2);
        set("train_data_split_seed", 7);
        set("allow_percentage_invalid_samples", 5);
        set("early_stopping.patience", withEval, 5);
        set("early_stopping.min_delta", withEval, 0.01);
        set("eval_interval", "5ba");
        set("log_interval", "5ba");
        set("progress", "none");
        set("preprocessing_num_workers", 3);
        set("allow_partial_weights", Map.of("custom_weights_path", "ckpt.pt"), true);
        Map<String, Object> withTopK = Map.of("validation_split_ratio", 0.1, "save_top_k", Map.of("k", 1));
        set("save_top_k.k", withTopK, 2);
        set("save_top_k.monitor", withTopK, "loss");
        set("save_top_k.mode", withTopK, "max");
        set("save_weights_only", true);
        set("activation_checkpointing", true);
        set("master_weights", "bf16");
        set("optimizer_in_backward", true);
        set("dist_timeout", 60);
        set("fsdp.sharding", "optimizer");
    }

    private static RunConfig config(Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_name", "wiring");
        m.put("model", "model");
        m.put("train_data_path", "train.jsonl");
        m.putAll(extra);
        return RunConfig.fromMap(m, tmp);
    }

    /**
     * What the run hands on from a configuration: the options of the data module, the model and the training loop
     * (through {@link RunOptions}), and the values the pipeline reads itself — the model folder
     * ({@code ModelInputs}), custom weights and registry ({@code RunPipeline}), the device string
     * ({@code Devices.resolve}), the progress display ({@code RunOutputs}), the checkpoint policy, whether custom
     * weights may load partially, and what a distributed job is joined with ({@code DistributedRun.join}).
     */
    private static Map<String, Object> received(RunConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", RunOptions.data(c, c.resolveContextLength(256), tmp.resolve("cache"), "llama"));
        m.put("model", RunOptions.model(c, Device.cpu(), false));
        m.put("training", RunOptions.training(c, c.runDir()));
        m.put("model folder", c.model());
        m.put("custom weights", c.customWeightsPath());
        m.put("partial weights", c.allowPartialWeights());
        m.put("registry", c.registerTo());
        m.put("device", c.device());
        m.put("progress", c.progress());
        m.put("checkpoints", RunOptions.checkpoints(c));
        m.put("distributed", List.of(c.distTimeout(), c.fsdpSharding()));
        return m;
    }

    @Test
    void everyKeyHasACase() {
        TreeSet<String> leaves = new TreeSet<>();
        for (String k : RunConfig.keys()) {
            if (RunConfig.keys().stream().noneMatch(other -> other.startsWith(k + "."))) {
                leaves.add(k);
            }
        }
        TreeSet<String> covered = new TreeSet<>(CASES.keySet());
        covered.removeAll(List.of("lora", "early_stopping")); // blocks whose mere presence switches a feature on
        assertEquals(leaves, covered, "every configuration key needs a row in CASES (and must reach the engine)");
        assertTrue(RunConfig.keys().containsAll(CASES.keySet()), "CASES names only real keys");
    }

    @Test
    void everyKeyChangesWhatTheEngineReceives() {
        List<String> unused = new ArrayList<>();
        for (Map.Entry<String, Case> e : CASES.entrySet()) {
            Map<String, Object> before = received(config(e.getValue().baseline()));
            Map<String, Object> after = received(config(e.getValue().changed()));
            if (before.equals(after)) {
                unused.add(e.getKey());
            }
        }
        assertTrue(unused.isEmpty(), "keys that change nothing downstream: " + unused);
    }

    @Test
    void evalBatchSizeReachesTheTrainingLoop() {
        RunConfig c = config(Map.of("micro_batch_size", 2, "eval_batch_size", 8));
        assertEquals(8, RunOptions.training(c, c.runDir()).evalBatchSize());
        RunConfig d = config(Map.of("micro_batch_size", 2));
        assertEquals(2, RunOptions.training(d, d.runDir()).evalBatchSize(), "defaults to micro_batch_size");
        assertNotEquals(received(c), received(d));
    }
}
