package dev.finetune4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bad-input rule, with the exact message the user sees. */
class RunConfigErrorsTest {
    private static final String MINIMAL = "model: m\ntrain_data_path: t.jsonl\n";

    @TempDir
    Path dir;

    private String error(String yaml, String... sets) throws IOException {
        Path f = dir.resolve("run.yaml");
        Files.writeString(f, yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfig.load(f, List.of(sets)));
        return e.getMessage().replaceFirst("^" + java.util.regex.Pattern.quote(f.toString()) + "(:\\d+)?: ", "");
    }

    @Test
    void logIntervalCountsOptimizerSteps() throws IOException {
        String e = error(MINIMAL + "log_interval: 100tok\n");
        assertEquals(true, e.contains("log_interval") && e.contains("unit 'tok' is not allowed here; allowed units: ba"), e);
        assertEquals(true, error(MINIMAL + "log_interval: 0ba\n").contains("must be at least 1ba"));
    }

    @Test
    void unknownKeysSuggestTheNearKey() throws IOException {
        assertEquals("key 'learing_rate': unknown key; did you mean 'learning_rate'? allowed keys: run_name, model,"
                + " train_data_path, task_type, eval_data_path, eval_prompts, custom_weights_path, training_duration,"
                + " learning_rate, context_length, validate_inputs, register_to, experiment_path, seed,"
                + " micro_batch_size, global_batch_size, eval_batch_size, optimizer, scheduler, gradient_clip_val,"
                + " lora, int8_quantization, dropout, precision, device, packing, target_prompts, target_responses,"
                + " save_interval, save_num_checkpoints_to_keep, autoresume, max_train_samples, max_val_samples,"
                + " validation_split_ratio, train_data_split_seed, allow_percentage_invalid_samples, early_stopping,"
                + " eval_interval, log_interval, progress, preprocessing_num_workers, allow_partial_weights, save_top_k,"
                + " save_weights_only, activation_checkpointing, master_weights, optimizer_in_backward,"
                + " dist_timeout, fsdp",
                error(MINIMAL + "learing_rate: 1e-5\n"));
        assertEquals("key 'optimizer.betaz': unknown key; did you mean 'optimizer.betas'? allowed keys in"
                + " 'optimizer': name, betas, weight_decay, eps", error(MINIMAL + "optimizer: {betaz: [0.9, 0.9]}\n"));
        assertEquals("key 'learningRate': unknown key; did you mean 'learning_rate'?",
                error(MINIMAL + "learningRate: 1e-5\n").split(" allowed")[0]);
        assertEquals("key 'lora_rank': unknown key; did you mean 'lora.r'?",
                error(MINIMAL + "lora_rank: 8\n").split(" allowed")[0]);
        assertEquals("key 'modle': unknown key; did you mean 'model'?",
                error("modle: m\ntrain_data_path: t\n").split(" allowed")[0]);
        assertEquals("key 'lora.banana': unknown key; allowed keys in 'lora': r, alpha, dropout, target_modules,"
                + " use_rslora, loraplus_lr_ratio", error(MINIMAL + "lora: {banana: 1}\n"));
    }

    @Test
    void messagesNameTheLineOfTheKey() throws IOException {
        Path f = dir.resolve("run.yaml");
        Files.writeString(f, "model: m\ntrain_data_path: t\noptimizer:\n  name: adamw\n  betas: [0.9]\n");
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfig.load(f));
        assertEquals(f + ":5: key 'optimizer.betas': expected a list of 2 numbers in [0, 1], got [0.9]",
                e.getMessage());
        assertEquals(f + ":5", e.source());
        assertEquals("optimizer.betas", e.key());
        Files.writeString(f, "model: m\ntrain_data_path: t\n\nlora:\n  r: 8\n  alpah: 16\n");
        e = assertThrows(ConfigException.class, () -> RunConfig.load(f));
        assertEquals(f + ":6: key 'lora.alpah': unknown key; did you mean 'lora.alpha'?",
                e.getMessage().split(" allowed")[0]);
        Files.writeString(f, "{\"model\": \"m\",\n \"train_data_path\": \"t\",\n \"seed\": \"x\"}");
        Path json = Files.move(f, dir.resolve("run.json"));
        e = assertThrows(ConfigException.class, () -> RunConfig.load(json));
        assertEquals(json + ":3: key 'seed': expected a whole number, got 'x'", e.getMessage());
        Files.writeString(f, "train_data_path: t\n");
        e = assertThrows(ConfigException.class, () -> RunConfig.load(f));
        assertEquals(f + ": key 'model': is required but missing", e.getMessage());
    }

    @Test
    void requiredKeys() throws IOException {
        assertEquals("key 'model': is required but missing", error("train_data_path: t\n"));
        assertEquals("key 'train_data_path': is required but missing", error("model: m\n"));
        assertEquals("key 'model': must not be empty", error("model: ''\ntrain_data_path: t\n"));
    }

    @Test
    void batchSizes() throws IOException {
        assertEquals("key 'global_batch_size': must be a multiple of micro_batch_size 4, got 6",
                error(MINIMAL + "micro_batch_size: 4\nglobal_batch_size: 6\n"));
        assertEquals("key 'micro_batch_size': value 0 is out of range; allowed: [1, 1048576]",
                error(MINIMAL + "micro_batch_size: 0\n"));
        assertEquals("key 'micro_batch_size': expected a whole number, got 1.5",
                error(MINIMAL + "micro_batch_size: 1.5\n"));
    }

    @Test
    void ratiosAndRanges() throws IOException {
        assertEquals("key 'validation_split_ratio': value 1.5 is out of range; allowed: [0, 1)",
                error(MINIMAL + "validation_split_ratio: 1.5\n"));
        assertEquals("key 'dropout.hidden': value 1 is out of range; allowed: [0, 1)",
                error(MINIMAL + "dropout: {hidden: 1}\n"));
        assertEquals("key 'lora.dropout': value -0.1 is out of range; allowed: [0, 1)",
                error(MINIMAL + "lora: {dropout: -0.1}\n"));
        assertEquals("key 'allow_percentage_invalid_samples': value 101 is out of range; allowed: [0, 100]",
                error(MINIMAL + "allow_percentage_invalid_samples: 101\n"));
        assertEquals("key 'learning_rate': value 0 is out of range; allowed: > 0",
                error(MINIMAL + "learning_rate: 0\n"));
        assertEquals("key 'learning_rate': expected a number, got 'fast'", error(MINIMAL + "learning_rate: fast\n"));
        assertEquals("key 'gradient_clip_val': value -1 is out of range; allowed: >= 0",
                error(MINIMAL + "gradient_clip_val: -1\n"));
        assertEquals("key 'save_num_checkpoints_to_keep': value -2 is out of range; allowed: >= -1",
                error(MINIMAL + "save_num_checkpoints_to_keep: -2\n"));
        assertEquals("key 'scheduler.min_lr': value 0.1 is out of range; allowed: [0, 0.001]",
                error(MINIMAL + "learning_rate: 0.001\nscheduler: {min_lr: 0.1}\n"));
    }

    @Test
    void betas() throws IOException {
        assertEquals("key 'optimizer.betas': expected a list of 2 numbers in [0, 1], got [0.9]",
                error(MINIMAL + "optimizer: {betas: [0.9]}\n"));
        assertEquals("key 'optimizer.betas': expected a list of 2 numbers in [0, 1], got [1.2, 0.9]",
                error(MINIMAL + "optimizer: {betas: [1.2, 0.9]}\n"));
        assertEquals("key 'optimizer.betas': expected a number, got 'x'",
                error(MINIMAL + "optimizer: {betas: [x, 0.9]}\n"));
        assertEquals("key 'optimizer.eps': applies only to adamw; decoupled_lionw has no epsilon",
                error(MINIMAL + "optimizer: {eps: 1e-8}\n"));
    }

    @Test
    void timeStrings() throws IOException {
        assertEquals("key 'training_duration': Invalid time string '2%': expected a number followed by one of the"
                + " units iter, ep, ba, sp, tok, dur, sec (e.g. 500ba, 1ep, 0.02dur, 3e4tok) or a wall-clock time"
                + " like 1h30m; allowed units here: ep, ba, sp, tok", error(MINIMAL + "training_duration: 2%\n"));
        assertEquals("key 'training_duration': unit 'sec' is not allowed here; allowed units: ep, ba, sp, tok",
                error(MINIMAL + "training_duration: 1h\n"));
        assertEquals("key 'eval_interval': '5' has no unit; write e.g. 5ep (allowed units: ep, ba, sp, tok, dur,"
                + " sec)", error(MINIMAL + "eval_interval: '5'\n"));
        assertEquals("key 'training_duration': must be positive, got 0ba", error(MINIMAL + "training_duration: 0ba\n"));
        assertEquals("key 'save_interval': a fraction of the run must be in (0, 1], got 1.5dur",
                error(MINIMAL + "save_interval: 1.5dur\n"));
        assertEquals("key 'scheduler.t_warmup': value 1.5 is out of range; allowed: [0, 1]",
                error(MINIMAL + "scheduler: {t_warmup: 1.5dur}\n"));
        assertEquals("key 'training_duration': Invalid time string '1.5ep': value 1.5 is not an integer. Units ep"
                + " require integer values (only dur takes fractions); allowed units here: ep, ba, sp, tok",
                error(MINIMAL + "training_duration: 1.5ep\n"));
    }

    @Test
    void choices() throws IOException {
        assertEquals("key 'task_type': 'CHAT' is not allowed; allowed values: CHAT_COMPLETION, INSTRUCTION_FINETUNE,"
                + " CONTINUED_PRETRAIN", error(MINIMAL + "task_type: CHAT\n"));
        assertEquals("key 'optimizer.name': 'sgd' is not allowed; allowed values: decoupled_lionw, adamw",
                error(MINIMAL + "optimizer: {name: sgd}\n"));
        assertEquals("key 'scheduler.name': 'step' is not allowed; allowed values: linear_with_warmup,"
                + " linear_decay_with_warmup, cosine_with_warmup, constant_with_warmup, constant",
                error(MINIMAL + "scheduler: {name: step}\n"));
        assertEquals("key 'precision': 'fp16' is not allowed; allowed values: auto, bf16, fp32",
                error(MINIMAL + "precision: fp16\n"));
        assertEquals("key 'device': 'tpu' is not allowed; allowed values: auto, cpu, cuda, cuda:N",
                error(MINIMAL + "device: tpu\n"));
        assertEquals("key 'validate_inputs': expected true or false, got 'maybe'",
                error(MINIMAL + "validate_inputs: maybe\n"));
        assertEquals("key 'target_prompts': 'some' is not allowed; allowed values: none, all, length>=N",
                error(MINIMAL + "target_prompts: some\n"));
        assertEquals("key 'eval_prompts': expected a list of strings, got 'hi'", error(MINIMAL + "eval_prompts: hi\n"));
        assertEquals("key 'lora': expected a mapping of keys, got true", error(MINIMAL + "lora: true\n"));
        assertEquals("key 'run_name': '../x' is not a usable folder name; use letters, digits, '.', '_' and '-'",
                error(MINIMAL + "run_name: ../x\n"));
    }

    @Test
    void conflictsAndDependencies() throws IOException {
        assertEquals("key 'scheduler.warmup_steps': give either t_warmup or its alias warmup_steps, not both",
                error(MINIMAL + "scheduler: {t_warmup: 10ba, warmup_steps: 10}\n"));
        assertEquals("key 'scheduler.min_lr': give either alpha_f or min_lr (alpha_f = min_lr / learning_rate), not"
                + " both", error(MINIMAL + "scheduler: {alpha_f: 0.1, min_lr: 1e-8}\n"));
        assertEquals("key 'autoresume': needs run_name, so that a restarted run finds its own checkpoints",
                error(MINIMAL + "autoresume: true\n"));
        assertEquals("key 'int8_quantization': needs a 'lora' block: int8 base weights cannot be trained, only"
                + " adapters on top of them", error(MINIMAL + "int8_quantization: true\n"));
        assertEquals("key 'early_stopping': needs evaluation data: set eval_data_path or validation_split_ratio",
                error(MINIMAL + "early_stopping: {patience: 2}\n"));
        assertEquals("key 'max_train_samples': value 0 is out of range; allowed: >= 1, or -1 for all samples",
                error(MINIMAL + "max_train_samples: 0\n"));
        assertEquals("key 'max_val_samples': value -2 is out of range; allowed: >= 1, or -1 for all samples",
                error(MINIMAL + "max_val_samples: -2\n"));
    }

    @Test
    void fileProblems() throws IOException {
        String syntax = error(MINIMAL + "lora: {r: 8\n");
        assertEquals(true, syntax.startsWith("not valid YAML at line "), syntax);
        assertEquals(true, error(MINIMAL + "model: other\n").contains("Duplicate field 'model'"));
        assertEquals("the configuration must be a mapping of keys (e.g. 'model: ...'), got [\"a\"]", error("- a\n"));
        Path missing = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfig.load(missing));
        assertEquals(missing + ": config file not found (expected a YAML or JSON file)", e.getMessage());
        Path json = dir.resolve("bad.json");
        Files.writeString(json, "{\"model\": \"m\",}");
        e = assertThrows(ConfigException.class, () -> RunConfig.load(json));
        assertEquals(true, e.getMessage().startsWith(json + ": not valid JSON at line 1, column "), e.getMessage());
    }

    @Test
    void overridesNameTheOverride() throws IOException {
        Path f = dir.resolve("run.yaml");
        Files.writeString(f, MINIMAL);
        ConfigException e = assertThrows(ConfigException.class,
                () -> RunConfig.load(f, List.of("optimizer.betaz=[0.9,0.9]")));
        assertEquals("--set optimizer.betaz: key 'optimizer.betaz': unknown key; did you mean 'optimizer.betas'?"
                + " allowed keys in 'optimizer': name, betas, weight_decay, eps", e.getMessage());
        e = assertThrows(ConfigException.class, () -> RunConfig.load(f, List.of("lora.r=0")));
        assertEquals("--set lora.r: key 'lora.r': value 0 is out of range; allowed: [1, 65536]", e.getMessage());
        e = assertThrows(ConfigException.class, () -> RunConfig.load(f, List.of("lora.r")));
        assertEquals("--set lora.r: expected key=value, e.g. --set lora.r=16 or --set optimizer.betas=[0.9,0.95]",
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> RunConfig.load(f, List.of("model.x=1")));
        assertEquals("--set model.x: key 'model.x': cannot set it because 'model' is not a mapping (it is 'm')",
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> RunConfig.load(f, List.of("seed=[1")));
        assertEquals(true, e.getMessage().startsWith("--set seed: key 'seed': value '[1' is not valid YAML"),
                e.getMessage());
    }
}
