package dev.finetune4j.config;

import dev.finetune4j.data.TaskType;
import dev.finetune4j.engine.model.DropoutOptions;
import dev.finetune4j.engine.model.Precision;
import dev.finetune4j.engine.schedule.Time;
import dev.finetune4j.engine.train.TrainingSpec.EarlyStoppingSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A resolved, validated run configuration (docs/configuration.md; keys in snake_case). Paths are absolute
 * (relative ones were resolved against the config file's folder); aliases are resolved; nullable components mean
 * "not set / decided at run time" as documented per component. Load with {@link #load(Path, List)}; write the
 * {@code run.yaml} with {@link #toYaml()}.
 *
 * @param runName                       run folder name under experiment_path; null = generated at start
 * @param model                         Hugging Face model folder (required)
 * @param trainDataPath                 training data file or folder (required)
 * @param taskType                      default CHAT_COMPLETION
 * @param evalDataPath                  evaluation data, or null
 * @param evalPrompts                   prompts to generate from at every checkpoint save and evaluation (default none)
 * @param customWeightsPath             Composer checkpoint to start from (file, .distcp folder or *.symlink)
 * @param trainingDuration              {@code 1ep} (default), {@code 500ba}, {@code 1000000tok}, {@code 100sp}
 * @param learningRate                  peak learning rate, default 5e-7
 * @param contextLength                 null = auto: min(8192, max_position_embeddings)
 * @param validateInputs                validate every example before training, default true
 * @param registerTo                    {@code <registry folder>/<model name>}; the final model is registered
 *                                      there as a new version; null = no registration; when the file
 *                                      names only the folder ({@code registry/}) the model name is the run name
 * @param experimentPath                parent of the run folder, default {@code runs} beside the config file
 * @param seed                          default 17 (llm-foundry's)
 * @param microBatchSize                rows per forward/backward, default 1
 * @param globalBatchSize               rows per optimizer step (multiple of micro), default = micro
 * @param evalBatchSize                 rows per eval forward, default = micro
 * @param optimizer                     optimizer block
 * @param scheduler                     learning-rate schedule block
 * @param gradientClipVal               clip the global gradient norm to this, default 1.0; 0 = no clipping
 * @param lora                          LoRA adapters; null = full fine-tuning
 * @param int8Quantization              int8 base weights (LoRA only), default false
 * @param dropout                       dropout block, all 0 by default
 * @param precision                     auto (default: bf16 on CUDA, fp32 on CPU), bf16 or fp32
 * @param device                        auto (default), cpu, cuda or cuda:N
 * @param packing                       pack examples into context-length rows, default true
 * @param targetPrompts                 llm-foundry target_prompts: none (default), all or length>=N
 * @param targetResponses               llm-foundry target_responses: last (default) or all
 * @param saveInterval                  checkpoint interval, default {@code 1ep}
 * @param saveNumCheckpointsToKeep      -1 (default) keeps all
 * @param allowPartialWeights           load custom_weights_path even when tensors are missing, unexpected or
 *                                      mis-shaped (default false: such a checkpoint is refused, listing them)
 * @param autoresume                    resume from the run's latest checkpoint, default false (needs run_name)
 * @param maxTrainSamples               use at most this many training examples, null = all (-1 in the file)
 * @param maxValSamples                 use at most this many eval examples, null = all
 * @param validationSplitRatio          hold out this fraction of the training data for eval, default 0
 * @param trainDataSplitSeed            seed of that split; null = {@code seed}
 * @param allowPercentageInvalidSamples percent (0–100) of examples that may fail validation, default 0
 * @param earlyStopping                 early stopping on the eval loss; null = off
 * @param evalInterval                  evaluation interval, default {@code 1ep}
 * @param logInterval                   metrics/progress interval, default {@code 1ba}
 * @param progress                      progress display, default auto
 * @param preprocessingNumWorkers       tokenizer threads, null = number of CPUs
 * @param hubReferences                 keys whose value is a Hugging Face Hub reference still to fetch
 *                                      ({@code model}: {@code org/name[@rev]}; data keys: {@code hf://...}), key →
 *                                      the reference as written; empty once {@link #withInputs} resolved them
 *                                      (docs/hub.md "Hub references in a run configuration")
 * @param saveTopK                      keep the best k checkpoints by a metric; null = keep by age
 *                                      ({@code save_num_checkpoints_to_keep})
 * @param saveWeightsOnly               checkpoints hold the model only (Composer's save_weights_only), default
 *                                      false; they cannot be autoresumed
 * @param memory                        activation_checkpointing, master_weights, optimizer_in_backward
 * @param distTimeout                   seconds a rendezvous or collective of a distributed job may take, default 300
 * @param fsdpSharding                  {@code fsdp.sharding}: {@code none} (default) or {@code optimizer} (ZeRO-1)
 */
public record RunConfig(
        String runName,
        Path model,
        Path trainDataPath,
        TaskType taskType,
        Path evalDataPath,
        List<String> evalPrompts,
        Path customWeightsPath,
        Time trainingDuration,
        double learningRate,
        Integer contextLength,
        boolean validateInputs,
        Path registerTo,
        Path experimentPath,
        long seed,
        int microBatchSize,
        int globalBatchSize,
        int evalBatchSize,
        OptimizerConfig optimizer,
        SchedulerConfig scheduler,
        double gradientClipVal,
        LoraConfig lora,
        boolean int8Quantization,
        DropoutOptions dropout,
        Precision precision,
        String device,
        boolean packing,
        String targetPrompts,
        String targetResponses,
        Time saveInterval,
        int saveNumCheckpointsToKeep,
        boolean autoresume,
        Long maxTrainSamples,
        Long maxValSamples,
        double validationSplitRatio,
        Long trainDataSplitSeed,
        double allowPercentageInvalidSamples,
        EarlyStoppingSpec earlyStopping,
        Time evalInterval,
        Time logInterval,
        ProgressMode progress,
        Integer preprocessingNumWorkers,
        Map<String, String> hubReferences,
        boolean allowPartialWeights,
        SaveTopKConfig saveTopK,
        boolean saveWeightsOnly,
        MemoryConfig memory,
        double distTimeout,
        String fsdpSharding) {

    /**
     * The last segment of {@link #registerTo()} while the run has no name yet and {@code register_to} named only a
     * registry folder; {@link #withRunName} replaces it with the run name.
     */
    public static final String RUN_NAME_PLACEHOLDER = "{run_name}";

    /** Defensive copies. */
    public RunConfig {
        evalPrompts = List.copyOf(evalPrompts);
        hubReferences = hubReferences == null ? Map.of() : Map.copyOf(hubReferences);
        memory = memory == null ? MemoryConfig.DEFAULT : memory;
    }

    /**
     * Loads and validates a YAML or JSON run configuration, applying {@code --set key=value} overrides
     * (dotted keys for nested blocks, values read as YAML scalars or flow collections).
     *
     * @throws ConfigException naming the file or {@code --set}, the key and what is allowed
     */
    public static RunConfig load(Path file, List<String> overrides) {
        return RunConfigLoader.load(file, overrides);
    }

    /** {@link #load(Path, List)} without overrides. */
    public static RunConfig load(Path file) {
        return RunConfigLoader.load(file, List.of());
    }

    /**
     * Reads a configuration from YAML (or JSON) text; relative paths resolve against {@code baseDir}.
     *
     * @param sourceName how errors name this text, e.g. a file name
     */
    public static RunConfig fromYaml(String text, Path baseDir, String sourceName, List<String> overrides) {
        return RunConfigLoader.fromText(text, false, baseDir, sourceName, overrides);
    }

    /**
     * Builds a configuration from a map of the same keys (nested maps for blocks), e.g. from an embedding
     * application: {@code RunConfig.fromMap(Map.of("model", dir, "train_data_path", data, "lora", Map.of("r", 16)),
     * Path.of("."))}. Values may be strings, numbers, booleans, lists, maps, {@link Path}s or times.
     *
     * @throws ConfigException as for files, with the source {@code <map>}
     */
    public static RunConfig fromMap(Map<String, ?> values, Path baseDir) {
        return RunConfigLoader.fromMap(values, baseDir);
    }

    /** Every configuration key, nested ones dotted ({@code optimizer.betas}), in documentation order. */
    public static List<String> keys() {
        return RunConfigLoader.ALL_DOTTED;
    }

    /** The resolved configuration as YAML (the run folder's {@code run.yaml}); {@link #load} reads it back. */
    public String toYaml() {
        return RunConfigYaml.write(this);
    }

    /**
     * The resolved configuration as an ordered map of snake_case keys (the content of {@link #toYaml()}), with
     * paths and times as strings; for metadata files.
     */
    public Map<String, Object> toMap() {
        return RunConfigYaml.toMap(this);
    }

    /**
     * The context length for a model: {@code context_length} when set, else min(8192, max_position_embeddings).
     *
     * @throws ConfigException when the configured length exceeds what the model supports
     */
    public int resolveContextLength(int maxPositionEmbeddings) {
        if (contextLength == null) {
            return Math.min(8192, maxPositionEmbeddings);
        }
        if (contextLength > maxPositionEmbeddings) {
            throw new ConfigException(null, "context_length", "value " + contextLength + " is larger than the"
                    + " model's max_position_embeddings " + maxPositionEmbeddings + "; allowed: [1, "
                    + maxPositionEmbeddings + "]");
        }
        return contextLength;
    }

    /**
     * Checks that the inputs exist before any work starts: the model folder with its {@code config.json}, the
     * training data, and the eval data and custom weights when set.
     *
     * @throws ConfigException naming the key and the missing path
     */
    public void requireInputsExist() {
        for (Map.Entry<String, String> e : hubReferences.entrySet()) {
            if (e.getValue().startsWith("hf://")) {
                throw new ConfigException(null, e.getKey(), "'" + e.getValue() + "' is a Hub path that was not fetched yet");
            }
        }
        if (!Files.isDirectory(model)) {
            throw new ConfigException(null, "model", "model folder " + model + " does not exist (expected a"
                    + " Hugging Face model folder with config.json)");
        }
        if (!Files.isRegularFile(model.resolve("config.json"))) {
            throw new ConfigException(null, "model", "model folder " + model + " has no config.json (expected a"
                    + " Hugging Face model folder)");
        }
        requireExists("train_data_path", trainDataPath);
        requireExists("eval_data_path", evalDataPath);
        requireExists("custom_weights_path", customWeightsPath);
    }

    private static void requireExists(String key, Path p) {
        if (p != null && !Files.exists(p)) {
            throw new ConfigException(null, key, p + " does not exist");
        }
    }

    /** Whether adapters are trained (a {@code lora} block is present). */
    public boolean usesLora() {
        return lora != null;
    }

    /** The seed of the train/validation split ({@code train_data_split_seed}, else {@code seed}). */
    public long effectiveSplitSeed() {
        return trainDataSplitSeed != null ? trainDataSplitSeed : seed;
    }

    /** The registry folder ({@code register_to} without its last segment), or null. */
    public Path registryRoot() {
        return registerTo == null ? null : registerTo.getParent();
    }

    /** The registered model name (last segment of {@code register_to}), or null. */
    public String registeredModelName() {
        return registerTo == null ? null : registerTo.getFileName().toString();
    }

    /** The folder of this run: {@code experiment_path/run_name}. @throws IllegalStateException if unnamed */
    public Path runDir() {
        if (runName == null) {
            throw new IllegalStateException("run_name is not set; name the run before asking for its folder");
        }
        return experimentPath.resolve(runName);
    }

    /** A copy with {@code run_name} set (for a generated name at start). */
    public RunConfig withRunName(String name) {
        RunConfigLoader.checkRunName(name, null);
        Path register = registerTo != null && registerTo.getFileName().toString().equals(RUN_NAME_PLACEHOLDER)
                ? registerTo.resolveSibling(name) : registerTo;
        return new RunConfig(name, model, trainDataPath, taskType, evalDataPath, evalPrompts, customWeightsPath,
                trainingDuration, learningRate, contextLength, validateInputs, register, experimentPath, seed,
                microBatchSize, globalBatchSize, evalBatchSize, optimizer, scheduler, gradientClipVal, lora,
                int8Quantization, dropout, precision, device, packing, targetPrompts, targetResponses, saveInterval,
                saveNumCheckpointsToKeep, autoresume, maxTrainSamples, maxValSamples, validationSplitRatio,
                trainDataSplitSeed, allowPercentageInvalidSamples, earlyStopping, evalInterval, logInterval,
                progress, preprocessingNumWorkers, hubReferences, allowPartialWeights,
                saveTopK, saveWeightsOnly, memory, distTimeout, fsdpSharding);
    }

    /** A copy with the Hub references resolved to these local paths (null = keep the configured one). */
    public RunConfig withInputs(Path localModel, Path localTrain, Path localEval, Path localWeights) {
        return new RunConfig(runName, localModel != null ? localModel : model, localTrain != null ? localTrain : trainDataPath,
                taskType, localEval != null ? localEval : evalDataPath, evalPrompts,
                localWeights != null ? localWeights : customWeightsPath,
                trainingDuration, learningRate, contextLength, validateInputs, registerTo, experimentPath, seed,
                microBatchSize, globalBatchSize, evalBatchSize, optimizer, scheduler, gradientClipVal, lora,
                int8Quantization, dropout, precision, device, packing, targetPrompts, targetResponses, saveInterval,
                saveNumCheckpointsToKeep, autoresume, maxTrainSamples, maxValSamples, validationSplitRatio,
                trainDataSplitSeed, allowPercentageInvalidSamples, earlyStopping, evalInterval, logInterval,
                progress, preprocessingNumWorkers, Map.of(), allowPartialWeights,
                saveTopK, saveWeightsOnly, memory, distTimeout, fsdpSharding);
    }
}
