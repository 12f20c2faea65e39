package dev.finetune4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.data.TaskType;
import dev.finetune4j.engine.model.DropoutOptions;
import dev.finetune4j.engine.model.Precision;
import dev.finetune4j.engine.schedule.CosineWithWarmup;
import dev.finetune4j.engine.schedule.Time;
import dev.finetune4j.engine.train.TrainingSpec.EarlyStoppingSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigTest {
    // "./": a bare org/name that does not exist locally would be a Hub model id (docs/hub.md)
    private static final String MINIMAL = "model: ./models/tiny\ntrain_data_path: data/train.jsonl\n";

    @TempDir
    Path dir;

    private RunConfig load(String yaml, String... sets) throws IOException {
        Path f = dir.resolve("run.yaml");
        Files.writeString(f, yaml);
        return RunConfig.load(f, List.of(sets));
    }

    @Test
    void defaultsFollowTheManagedServices() throws IOException {
        RunConfig c = load(MINIMAL);
        assertEquals(dir.resolve("models/tiny"), c.model());
        assertEquals(dir.resolve("data/train.jsonl"), c.trainDataPath());
        assertEquals(TaskType.CHAT_COMPLETION, c.taskType());
        assertEquals(Time.parse("1ep"), c.trainingDuration());
        assertEquals(5e-7, c.learningRate());
        assertNull(c.contextLength());
        assertTrue(c.validateInputs());
        assertEquals(dir.resolve("runs"), c.experimentPath());
        assertEquals(17, c.seed());
        assertEquals(1, c.microBatchSize());
        assertEquals(1, c.globalBatchSize());
        assertEquals(1, c.evalBatchSize());
        assertEquals(OptimizerConfig.defaults(), c.optimizer());
        assertEquals(List.of(0.99, 0.95), c.optimizer().betas());
        assertEquals(new SchedulerConfig("linear_with_warmup", Time.parse("0.02dur"), 1.0, 0.0), c.scheduler());
        assertEquals(1.0, c.gradientClipVal());
        assertNull(c.lora());
        assertEquals(DropoutOptions.NONE, c.dropout());
        assertEquals(Precision.AUTO, c.precision());
        assertEquals("auto", c.device());
        assertTrue(c.packing());
        assertEquals("none", c.targetPrompts());
        assertEquals("last", c.targetResponses());
        assertEquals(Time.parse("1ep"), c.saveInterval());
        assertEquals(-1, c.saveNumCheckpointsToKeep());
        assertFalse(c.autoresume());
        assertEquals(0.0, c.allowPercentageInvalidSamples());
        assertEquals(Time.parse("1ep"), c.evalInterval());
        assertEquals(Time.parse("1ba"), c.logInterval());
        assertEquals(ProgressMode.AUTO, c.progress());
        assertNull(c.preprocessingNumWorkers());
        assertNull(c.runName());
        assertEquals(17, c.effectiveSplitSeed());
    }

    static final String FULL = """
            run_name: llama-ft.1
            model: /abs/model
            train_data_path: train.jsonl
            task_type: instruction_finetune
            eval_data_path: eval.jsonl
            eval_prompts: ["Hello?", "What is 2+2?"]
            custom_weights_path: ckpt/latest-rank0.pt
            training_duration: 1000000tok
            learning_rate: 1e-5
            context_length: 2048
            validate_inputs: false
            register_to: registry/my-model
            experiment_path: out
            seed: 42
            micro_batch_size: 2
            global_batch_size: 8
            eval_batch_size: 4
            optimizer: {name: adamw, betas: [0.9, 0.999], weight_decay: 0.01, eps: 1e-6}
            scheduler: {name: cosine_with_warmup, t_warmup: 100ba, alpha_i: 0.9, alpha_f: 0.1}
            gradient_clip_val: 0.5
            lora: {r: 16, alpha: 32, dropout: 0.1, target_modules: [q_proj, k_proj], use_rslora: true,
                   loraplus_lr_ratio: 16}
            int8_quantization: true
            dropout: {hidden: 0.1, attention: 0.05, ffn: 0.2}
            precision: fp32
            device: cuda:1
            packing: false
            target_prompts: all
            target_responses: all
            save_interval: 500ba
            save_num_checkpoints_to_keep: 3
            autoresume: true
            max_train_samples: 1000
            max_val_samples: 100
            validation_split_ratio: 0
            train_data_split_seed: 7
            allow_percentage_invalid_samples: 2.5
            early_stopping: {patience: 2, min_delta: 0.01}
            eval_interval: 0.25dur
            log_interval: 10ba
            progress: log
            preprocessing_num_workers: 4
            """;

    @Test
    void everyKeyIsReadAndRoundTripsThroughToYaml() throws IOException {
        RunConfig c = load(FULL);
        assertEquals("llama-ft.1", c.runName());
        assertEquals(Path.of("/abs/model"), c.model());
        assertEquals(dir.resolve("train.jsonl"), c.trainDataPath());
        assertEquals(TaskType.INSTRUCTION_FINETUNE, c.taskType());
        assertEquals(dir.resolve("eval.jsonl"), c.evalDataPath());
        assertEquals(List.of("Hello?", "What is 2+2?"), c.evalPrompts());
        assertEquals(dir.resolve("ckpt/latest-rank0.pt"), c.customWeightsPath());
        assertEquals(Time.parse("1000000tok"), c.trainingDuration());
        assertEquals(1e-5, c.learningRate());
        assertEquals(2048, c.contextLength());
        assertFalse(c.validateInputs());
        assertEquals(dir.resolve("registry/my-model"), c.registerTo());
        assertEquals(dir.resolve("registry"), c.registryRoot());
        assertEquals("my-model", c.registeredModelName());
        assertEquals(dir.resolve("out"), c.experimentPath());
        assertEquals(dir.resolve("out/llama-ft.1"), c.runDir());
        assertEquals(42, c.seed());
        assertEquals(2, c.microBatchSize());
        assertEquals(8, c.globalBatchSize());
        assertEquals(4, c.evalBatchSize());
        assertEquals(new OptimizerConfig("adamw", List.of(0.9, 0.999), 0.01, 1e-6), c.optimizer());
        assertEquals(new SchedulerConfig("cosine_with_warmup", Time.parse("100ba"), 0.9, 0.1), c.scheduler());
        assertEquals(new CosineWithWarmup(Time.parse("100ba"), Time.parse("1dur"), 0.1, false),
                c.scheduler().toScheduler());
        assertEquals(0.5, c.gradientClipVal());
        assertEquals(new LoraConfig(16, 32, 0.1, List.of("q_proj", "k_proj"), true, 16.0), c.lora());
        assertTrue(c.int8Quantization());
        assertEquals(new DropoutOptions(0.1, 0.05, 0.2), c.dropout());
        assertEquals(Precision.FP32, c.precision());
        assertEquals("cuda:1", c.device());
        assertFalse(c.packing());
        assertEquals("all", c.targetPrompts());
        assertEquals("all", c.targetResponses());
        assertEquals(Time.parse("500ba"), c.saveInterval());
        assertEquals(3, c.saveNumCheckpointsToKeep());
        assertTrue(c.autoresume());
        assertEquals(1000L, c.maxTrainSamples());
        assertEquals(100L, c.maxValSamples());
        assertEquals(0.0, c.validationSplitRatio());
        assertEquals(7L, c.trainDataSplitSeed());
        assertEquals(7, c.effectiveSplitSeed());
        assertEquals(2.5, c.allowPercentageInvalidSamples());
        assertEquals(new EarlyStoppingSpec(2, 0.01), c.earlyStopping());
        assertEquals(Time.parse("0.25dur"), c.evalInterval());
        assertEquals(Time.parse("10ba"), c.logInterval());
        assertEquals(ProgressMode.LOG, c.progress());
        assertEquals(4, c.preprocessingNumWorkers());

        String yaml = c.toYaml();
        for (String key : RunConfigLoader.TOP_KEYS) {
            assertTrue(yaml.contains("\n" + key + ":") || yaml.startsWith(key + ":"), key + " missing in\n" + yaml);
        }
        Path other = Files.createDirectories(dir.resolve("elsewhere")).resolve("run.yaml");
        Files.writeString(other, yaml);
        assertEquals(c, RunConfig.load(other));
        RunConfig defaults = load(MINIMAL);
        Files.writeString(other, defaults.toYaml());
        assertEquals(defaults, RunConfig.load(other));
    }

    @Test
    void jsonConfigsLoad() throws IOException {
        Path f = dir.resolve("run.json");
        Files.writeString(f, "{\"model\": \"m\", \"train_data_path\": \"t.jsonl\", \"learning_rate\": 2e-5,"
                + " \"lora\": {\"r\": 4}}");
        RunConfig c = RunConfig.load(f);
        assertEquals(dir.resolve("m"), c.model());
        assertEquals(2e-5, c.learningRate());
        assertEquals(4, c.lora().r());
        assertEquals(16.0, c.lora().alpha());
        assertEquals(List.of("q_proj", "v_proj"), c.lora().targetModules());
    }

    @Test
    void setOverridesUseDottedKeysAndYamlValues() throws IOException {
        RunConfig c = load(MINIMAL, "lora.r=16", "optimizer.betas=[0.9,0.95]", "learning_rate=1e-5",
                "scheduler.t_warmup=10ba", "training_duration=500ba", "eval_prompts=[a, b]", "context_length=auto");
        assertEquals(16, c.lora().r());
        assertEquals(List.of(0.9, 0.95), c.optimizer().betas());
        assertEquals(1e-5, c.learningRate());
        assertEquals(Time.parse("10ba"), c.scheduler().tWarmup());
        assertEquals(Time.parse("500ba"), c.trainingDuration());
        assertEquals(List.of("a", "b"), c.evalPrompts());
        assertNull(c.contextLength());
        // an override replaces the file's value; an empty value removes it (back to the default)
        assertEquals(2, load(MINIMAL + "micro_batch_size: 4\nglobal_batch_size: 8\n", "micro_batch_size=2")
                .microBatchSize());
        assertEquals(1, load(MINIMAL + "seed: 3\n", "seed=1").seed());
        assertEquals(17, load(MINIMAL + "seed: 3\n", "seed=").seed());
    }

    @Test
    void embeddingApplicationsCanPassAMap() throws IOException {
        RunConfig c = RunConfig.fromMap(java.util.Map.of("model", dir.resolve("m"), "train_data_path", "t.jsonl",
                "training_duration", Time.parse("20ba"), "task_type", TaskType.INSTRUCTION_FINETUNE,
                "lora", java.util.Map.of("r", 16, "target_modules", List.of("q_proj"))), dir);
        assertEquals(dir.resolve("m"), c.model());
        assertEquals(dir.resolve("t.jsonl"), c.trainDataPath());
        assertEquals(Time.parse("20ba"), c.trainingDuration());
        assertEquals(TaskType.INSTRUCTION_FINETUNE, c.taskType());
        assertEquals(List.of("q_proj"), c.lora().targetModules());
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfig.fromMap(
                java.util.Map.of("model", "m", "train_data_path", "t", "lora", java.util.Map.of("rank", 4)), dir));
        assertEquals("<map>: key 'lora.rank': unknown key; did you mean 'lora.r'?", e.getMessage().split(" allowed")[0]);
    }

    @Test
    void aliasesResolve() throws IOException {
        RunConfig c = load(MINIMAL + "learning_rate: 1e-4\nscheduler: {warmup_steps: 25, min_lr: 1e-5}\n");
        assertEquals(Time.parse("25ba"), c.scheduler().tWarmup());
        assertEquals(0.1, c.scheduler().alphaF(), 1e-15);
        assertEquals(Time.parse("3ep"), load(MINIMAL + "training_duration: 3\n").trainingDuration());
        assertEquals(TaskType.CONTINUED_PRETRAIN, load(MINIMAL + "task_type: continued_pretrain\n").taskType());
        assertEquals(1e-8, load(MINIMAL + "optimizer: {name: adamw}\n").optimizer().eps());
    }

    @Test
    void runTimeResolution() throws IOException {
        RunConfig auto = load(MINIMAL);
        assertEquals(4096, auto.resolveContextLength(4096));
        assertEquals(8192, auto.resolveContextLength(131072));
        RunConfig fixed = load(MINIMAL + "context_length: 2048\nprecision: amp_bf16\n");
        assertEquals(2048, fixed.resolveContextLength(4096));
        ConfigException e = assertThrows(ConfigException.class, () -> fixed.resolveContextLength(1024));
        assertEquals("key 'context_length': value 2048 is larger than the model's max_position_embeddings 1024;"
                + " allowed: [1, 1024]", e.getMessage());
        assertEquals(Precision.BF16, fixed.precision());
        assertEquals(Precision.BF16, auto.precision().resolve(true));
        assertEquals(Precision.FP32, auto.precision().resolve(false));
        assertEquals(Precision.FP32, Precision.FP32.resolve(true));
        // 0.02dur of 2 epochs of 1000 batches: 40 warmup batches (docs/training.md §1.2)
        RunConfig twoEpochs = load(MINIMAL + "training_duration: 2ep\nsave_interval: 0.5dur\n");
        assertEquals(Time.parse("40ba"), dev.finetune4j.engine.schedule.TimeConverter.convert(
                twoEpochs.scheduler().tWarmup(),
                dev.finetune4j.engine.schedule.ScheduleContext.of(twoEpochs.trainingDuration(), 1000)));
        assertEquals(Time.parse("0.5dur"), twoEpochs.saveInterval());
        assertEquals(Time.parse("1ep"), twoEpochs.evalInterval());
    }

    @Test
    void inputsMustExistBeforeTraining() throws IOException {
        RunConfig c = load(MINIMAL + "eval_data_path: e.jsonl\n");
        ConfigException e = assertThrows(ConfigException.class, c::requireInputsExist);
        assertEquals("key 'model': model folder " + dir.resolve("models/tiny") + " does not exist (expected a"
                + " Hugging Face model folder with config.json)", e.getMessage());
        Files.createDirectories(dir.resolve("models/tiny"));
        e = assertThrows(ConfigException.class, c::requireInputsExist);
        assertEquals("key 'model': model folder " + dir.resolve("models/tiny") + " has no config.json (expected a"
                + " Hugging Face model folder)", e.getMessage());
        Files.writeString(dir.resolve("models/tiny/config.json"), "{}");
        e = assertThrows(ConfigException.class, c::requireInputsExist);
        assertEquals("key 'train_data_path': " + dir.resolve("data/train.jsonl") + " does not exist", e.getMessage());
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/train.jsonl"), "");
        e = assertThrows(ConfigException.class, c::requireInputsExist);
        assertEquals("key 'eval_data_path': " + dir.resolve("e.jsonl") + " does not exist", e.getMessage());
        Files.writeString(dir.resolve("e.jsonl"), "");
        c.requireInputsExist();
    }

    @Test
    void generatedRunNameIsValidated() throws IOException {
        RunConfig c = load(MINIMAL).withRunName("run-20261123");
        assertEquals(dir.resolve("runs/run-20261123"), c.runDir());
        assertThrows(ConfigException.class, () -> c.withRunName("../escape"));
        assertThrows(IllegalStateException.class, () -> load(MINIMAL).runDir());
    }
}
