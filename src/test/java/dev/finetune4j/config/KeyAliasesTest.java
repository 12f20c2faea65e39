package dev.finetune4j.config;

import dev.finetune4j.data.TaskType;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.engine.schedule.Time;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SageMaker/Nova key names, the SageMaker sample-count and split rules, and register_to without a model name. */
class KeyAliasesTest {
    private static final String MINIMAL = "model: m\ntrain_data_path: t.jsonl\n";

    @TempDir
    Path dir;

    private Path file;

    @BeforeEach
    void setUp() {
        file = dir.resolve("run.yaml");
    }

    /** The loaded config and what went to stderr. */
    private record Loaded(RunConfig config, String stderr) {
    }

    private Loaded load(String yaml, String... sets) throws IOException {
        Files.writeString(file, yaml);
        String[] err = new String[1];
        RunConfig c = captureStderr(() -> RunConfig.load(file, List.of(sets)), err);
        return new Loaded(c, err[0]);
    }

    private static <T> T captureStderr(Supplier<T> body, String[] out) {
        PrintStream old = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            return body.get();
        } finally {
            System.setErr(old);
            out[0] = bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private String error(String yaml, String... sets) throws IOException {
        Files.writeString(file, yaml);
        return assertThrows(ConfigException.class, () -> RunConfig.load(file, List.of(sets))).getMessage();
    }

    @Test
    void sageMakerNamesBecomeTheCanonicalKeysWithANote() throws IOException {
        Loaded l = load(MINIMAL + """
                epoch: 3
                lora_r: 16
                lora_alpha: 32
                lora_dropout: 0.1
                per_device_train_batch_size: 4
                per_device_eval_batch_size: 2
                max_input_length: 512
                instruction_tuned: true
                learning_rate_warmup_steps: 10
                """);
        RunConfig c = l.config();
        assertEquals(Time.parse("3ep"), c.trainingDuration());
        assertEquals(16, c.lora().r());
        assertEquals(32.0, c.lora().alpha());
        assertEquals(0.1, c.lora().dropout());
        assertEquals(4, c.microBatchSize());
        assertEquals(2, c.evalBatchSize());
        assertEquals(512, c.contextLength());
        assertEquals(TaskType.INSTRUCTION_FINETUNE, c.taskType());
        assertEquals(Time.parse("10ba"), c.scheduler().tWarmup());
        List<String> notes = l.stderr().lines().toList();
        assertEquals(9, notes.size(), l.stderr());
        assertTrue(notes.contains("note: " + file + ":3: 'epoch' is read as 'training_duration': training_duration:"
                + " 3ep"), l.stderr());
        assertTrue(notes.contains("note: " + file + ":4: 'lora_r' is read as 'lora.r': lora.r: 16"), l.stderr());
        assertTrue(notes.contains("note: " + file + ":11: 'learning_rate_warmup_steps' is read as"
                + " 'scheduler.t_warmup': scheduler.t_warmup: 10ba"), l.stderr());
    }

    @Test
    void novaNamesAndTheOtherSpellings() throws IOException {
        RunConfig c = load(MINIMAL + "max_epochs: 2\nmax_length: 256\nchat_dataset: true\nwarmup_steps: 0\n")
                .config();
        assertEquals(Time.parse("2ep"), c.trainingDuration());
        assertEquals(256, c.contextLength());
        assertEquals(TaskType.CHAT_COMPLETION, c.taskType());
        assertEquals(Time.parse("0ba"), c.scheduler().tWarmup());
        assertEquals(Time.parse("40ba"), load(MINIMAL + "max_steps: 40\n").config().trainingDuration());
        Loaded unset = load(MINIMAL + "max_steps: -1\n");
        assertEquals(Time.parse("1ep"), unset.config().trainingDuration());
        assertTrue(unset.stderr().contains("'max_steps' is read as 'training_duration' and sets nothing here"
                + " (max_steps: -1)"), unset.stderr());
        // SageMaker: both flags false is domain adaptation; one true flag wins over a false one
        assertEquals(TaskType.CONTINUED_PRETRAIN, load(MINIMAL + "instruction_tuned: false\nchat_dataset: false\n")
                .config().taskType());
        assertEquals(TaskType.CHAT_COMPLETION, load(MINIMAL + "instruction_tuned: 'False'\nchat_dataset: 'True'\n")
                .config().taskType());
    }

    @Test
    void theSameSettingUnderTwoNamesIsAnErrorNamingBoth() throws IOException {
        assertEquals(file(":4") + "key 'epoch': gives the same setting as 'training_duration' (" + file + ":3);"
                + " 'epoch' is an alias of 'training_duration'; give only one of them",
                error(MINIMAL + "training_duration: 2ep\nepoch: 3\n"));
        assertEquals(file(":4") + "key 'max_steps': gives the same setting as 'epoch' (" + file + ":3); 'max_steps'"
                + " is an alias of 'training_duration'; give only one of them",
                error(MINIMAL + "epoch: 1\nmax_steps: 10\n"));
        assertEquals(file(":5") + "key 'lora_r': gives the same setting as 'lora.r' (" + file + ":4); 'lora_r' is"
                + " an alias of 'lora.r'; give only one of them", error(MINIMAL + "lora:\n  r: 8\nlora_r: 16\n"));
        assertEquals(file(":4") + "key 'warmup_steps': gives the same setting as 'scheduler.warmup_steps' ("
                + file + ":3); 'warmup_steps' is an alias of 'scheduler.t_warmup'; give only one of them",
                error(MINIMAL + "scheduler: {warmup_steps: 5}\nwarmup_steps: 10\n"));
        assertEquals(file(":4") + "key 'max_length': gives the same setting as 'max_input_length' (" + file
                + ":3); 'max_length' is an alias of 'context_length'; give only one of them",
                error(MINIMAL + "max_input_length: 128\nmax_length: 256\n"));
        assertEquals(file(":3") + "key 'instruction_tuned': gives the same setting as 'task_type' (" + file + ":4);"
                + " 'instruction_tuned' is an alias of 'task_type'; give only one of them",
                error(MINIMAL + "instruction_tuned: true\ntask_type: INSTRUCTION_FINETUNE\n"));
        assertEquals(file(":4") + "key 'chat_dataset': contradicts 'instruction_tuned' (" + file + ":3): they give"
                + " task_type INSTRUCTION_FINETUNE and CHAT_COMPLETION",
                error(MINIMAL + "instruction_tuned: true\nchat_dataset: true\n"));
    }

    @Test
    void badAliasValuesNameTheAliasAndItsLine() throws IOException {
        assertEquals(file(":3") + "key 'epoch': expected a whole number >= 1 (it is read as 'training_duration:"
                + " Nep'), got '1.5x'", error(MINIMAL + "epoch: 1.5x\n"));
        assertEquals(file(":3") + "key 'max_steps': expected a whole number >= 1 (or -1: not set) (it is read as"
                + " 'training_duration: Nba'), got 0", error(MINIMAL + "max_steps: 0\n"));
        assertEquals(file(":3") + "key 'instruction_tuned': expected true or false (true is read as 'task_type:"
                + " INSTRUCTION_FINETUNE'), got 'yes please'", error(MINIMAL + "instruction_tuned: yes please\n"));
        // a range error found while binding the canonical key points at the alias's line
        assertEquals(file(":3") + "key 'micro_batch_size': value 0 is out of range; allowed: [1, 1048576]",
                error(MINIMAL + "per_device_train_batch_size: 0\n"));
    }

    @Test
    void overridesUseAliasesTooAndWinOverTheFile() throws IOException {
        Loaded l = load(MINIMAL + "training_duration: 1ep\n", "epoch=4", "lora_r=4");
        assertEquals(Time.parse("4ep"), l.config().trainingDuration());
        assertEquals(4, l.config().lora().r());
        assertTrue(l.stderr().contains("note: " + file + ":3: 'training_duration' is overridden by --set epoch"),
                l.stderr());
        assertTrue(l.stderr().contains("note: --set epoch: 'epoch' is read as 'training_duration'"), l.stderr());
        assertEquals(Time.parse("7ba"), load(MINIMAL + "max_steps: 3\n", "training_duration=7ba").config()
                .trainingDuration());
        assertEquals("--set max_steps: key 'max_steps': gives the same setting as 'epoch' (--set epoch); 'max_steps'"
                + " is an alias of 'training_duration'; give only one of them",
                error(MINIMAL, "epoch=1", "max_steps=5"));
        assertEquals("--set micro_batch_size: key 'micro_batch_size': value 0 is out of range; allowed:"
                + " [1, 1048576]", error(MINIMAL, "per_device_train_batch_size=0"));
    }

    @Test
    void mapsFromJavaUseAliasesToo() {
        String[] err = new String[1];
        RunConfig c = captureStderr(() -> RunConfig.fromMap(Map.of("model", "m", "train_data_path", "t",
                "max_epochs", 5), dir), err);
        assertEquals(Time.parse("5ep"), c.trainingDuration());
        assertEquals("note: <map>: 'max_epochs' is read as 'training_duration': training_duration: 5ep",
                err[0].strip());
    }

    @Test
    void minusOneSampleCountsMeanAllSamples() throws IOException {
        RunConfig c = load(MINIMAL + "max_train_samples: -1\nmax_val_samples: -1\n").config();
        assertNull(c.maxTrainSamples());
        assertNull(c.maxValSamples());
        assertEquals(5L, load(MINIMAL + "max_train_samples: 5\n").config().maxTrainSamples());
    }

    @Test
    void anEvalFileWinsOverASplitRatioWithANote() throws IOException {
        Loaded l = load(MINIMAL + "eval_data_path: e.jsonl\nvalidation_split_ratio: 0.1\n");
        assertEquals(0.0, l.config().validationSplitRatio());
        assertEquals(dir.resolve("e.jsonl"), l.config().evalDataPath());
        assertEquals("note: " + file + ":4: validation_split_ratio 0.1 is not used because eval_data_path is given"
                + " (the eval file wins)", l.stderr().strip());
    }

    @Test
    void registerToAFolderRegistersUnderTheRunName() throws IOException {
        RunConfig named = load(MINIMAL + "run_name: exp-1\nregister_to: registry/\n").config();
        assertEquals(dir.resolve("registry"), named.registryRoot());
        assertEquals("exp-1", named.registeredModelName());
        RunConfig unnamed = load(MINIMAL + "register_to: registry/\n").config();
        assertEquals(RunConfig.RUN_NAME_PLACEHOLDER, unnamed.registeredModelName());
        RunConfig started = unnamed.withRunName("run-20261203-101500");
        assertEquals("run-20261203-101500", started.registeredModelName());
        assertEquals(dir.resolve("registry"), started.registryRoot());
        RunConfig explicit = load(MINIMAL + "register_to: registry/{run_name}\nrun_name: r2\n").config();
        assertEquals("r2", explicit.registeredModelName());
        assertEquals("my-model", load(MINIMAL + "register_to: registry/my-model\n").config().registeredModelName());
    }

    private String file(String line) {
        return file + line + ": ";
    }
}
