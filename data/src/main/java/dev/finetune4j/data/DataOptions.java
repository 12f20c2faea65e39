package dev.finetune4j.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything the data path needs from a run configuration (keys of docs/configuration.md §8, snake_case there).
 * Build with {@link #defaults(TaskType, Path, int)} or {@link #builder(TaskType, Path, int)}.
 *
 * @param taskType                      which reader parses the files
 * @param trainDataPath                 a JSONL/JSON file, a folder of them, or (CPT) a folder of .txt files / one .txt
 * @param evalDataPath                  same kinds as train; null = none (then {@code validationSplitRatio} may split)
 * @param contextLength                 maximum tokens per row; longer examples are right-truncated
 * @param validateInputs                check the chat/prompt rules ({@code validate_inputs}, default true)
 * @param allowPercentageInvalidSamples 0–100; the run fails when more samples are invalid (default 0)
 * @param packing                       first-fit-decreasing packing of examples into rows (default true)
 * @param targetPrompts                 which prompt tokens are trained (default none)
 * @param targetResponses               which responses are trained (default last)
 * @param validationSplitRatio          fraction of train held out for eval when there is no eval path (default 0)
 * @param trainDataSplitSeed            seed of that split (default 42)
 * @param maxTrainSamples               keep at most this many train examples, first ones first (0 = all)
 * @param maxValSamples                 keep at most this many eval examples (0 = all)
 * @param preprocessingNumWorkers       tokenizer threads (output order does not depend on it; default 1)
 * @param cacheDir                      folder of the tokenized cache; null = no cache
 * @param allowSystemMessages           whether {@code system} messages are accepted; null = ask the chat template
 *                                      (Mistral-family templates reject them), see {@link #systemAllowedFor(String)}
 * @param chatDateString                {@code date_string} handed to chat templates; null = today as "%d %b %Y"
 * @param padToContextLength            true = every batch is contextLength wide; false = as wide as its longest
 *                                      row rounded up to a multiple of 8 (labels/positions are the same either way)
 * @param tokenizerFingerprint          identifies the tokenizer in the cache key (e.g. a hash of tokenizer.json);
 *                                      null = derived from the tokenizer's vocabulary, specials and probe encodings
 */
public record DataOptions(TaskType taskType, Path trainDataPath, Path evalDataPath, int contextLength,
                          boolean validateInputs, double allowPercentageInvalidSamples, boolean packing,
                          TargetPrompts targetPrompts, TargetResponses targetResponses, double validationSplitRatio,
                          long trainDataSplitSeed, int maxTrainSamples, int maxValSamples, int preprocessingNumWorkers,
                          Path cacheDir, Boolean allowSystemMessages, String chatDateString,
                          boolean padToContextLength, String tokenizerFingerprint) {

    public DataOptions {
        Objects.requireNonNull(taskType, "task_type");
        Objects.requireNonNull(trainDataPath, "train_data_path");
        Objects.requireNonNull(targetPrompts, "target_prompts");
        Objects.requireNonNull(targetResponses, "target_responses");
        if (contextLength < 2) {
            throw new IllegalArgumentException("context_length must be >= 2, got " + contextLength);
        }
        if (!(allowPercentageInvalidSamples >= 0 && allowPercentageInvalidSamples <= 100)) {
            throw new IllegalArgumentException("allow_percentage_invalid_samples must be in [0, 100], got " + allowPercentageInvalidSamples);
        }
        if (!(validationSplitRatio >= 0 && validationSplitRatio < 1)) {
            throw new IllegalArgumentException("validation_split_ratio must be in [0, 1), got " + validationSplitRatio);
        }
        if (maxTrainSamples < 0 || maxValSamples < 0) {
            throw new IllegalArgumentException("max_train_samples / max_val_samples must be >= 0 (0 = all), got "
                    + maxTrainSamples + " / " + maxValSamples);
        }
        if (preprocessingNumWorkers < 1) {
            throw new IllegalArgumentException("preprocessing_num_workers must be >= 1, got " + preprocessingNumWorkers);
        }
    }

    /** The reference defaults for everything but the three required values. */
    public static DataOptions defaults(TaskType taskType, Path trainDataPath, int contextLength) {
        return builder(taskType, trainDataPath, contextLength).build();
    }

    /** A builder starting from {@link #defaults}. */
    public static Builder builder(TaskType taskType, Path trainDataPath, int contextLength) {
        return new Builder(taskType, trainDataPath, contextLength);
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder(taskType, trainDataPath, contextLength);
        b.evalDataPath = evalDataPath;
        b.validateInputs = validateInputs;
        b.allowPercentageInvalidSamples = allowPercentageInvalidSamples;
        b.packing = packing;
        b.targetPrompts = targetPrompts;
        b.targetResponses = targetResponses;
        b.validationSplitRatio = validationSplitRatio;
        b.trainDataSplitSeed = trainDataSplitSeed;
        b.maxTrainSamples = maxTrainSamples;
        b.maxValSamples = maxValSamples;
        b.preprocessingNumWorkers = preprocessingNumWorkers;
        b.cacheDir = cacheDir;
        b.allowSystemMessages = allowSystemMessages;
        b.chatDateString = chatDateString;
        b.padToContextLength = padToContextLength;
        b.tokenizerFingerprint = tokenizerFingerprint;
        return b;
    }

    /**
     * Whether chat data for a model of this {@code config.json} {@code model_type} may contain system messages:
     * false for the Mistral family (Databricks rule, docs/training.md §4.6) and the Gemma family (its chat template
     * raises "System role not supported", docs/models.md §9), true otherwise.
     */
    public static boolean systemAllowedFor(String modelType) {
        String t = modelType == null ? "" : modelType.toLowerCase(java.util.Locale.ROOT);
        return !(t.startsWith("mistral") || t.startsWith("mixtral") || t.startsWith("gemma"));
    }

    /** Mutable builder of {@link DataOptions}; fields start at the reference defaults. */
    public static final class Builder {
        private TaskType taskType;
        private Path trainDataPath;
        private int contextLength;
        private Path evalDataPath;
        private boolean validateInputs = true;
        private double allowPercentageInvalidSamples = 0;
        private boolean packing = true;
        private TargetPrompts targetPrompts = TargetPrompts.NONE;
        private TargetResponses targetResponses = TargetResponses.LAST;
        private double validationSplitRatio = 0;
        private long trainDataSplitSeed = 42;
        private int maxTrainSamples;
        private int maxValSamples;
        private int preprocessingNumWorkers = 1;
        private Path cacheDir;
        private Boolean allowSystemMessages;
        private String chatDateString;
        private boolean padToContextLength;
        private String tokenizerFingerprint;

        private Builder(TaskType taskType, Path trainDataPath, int contextLength) {
            this.taskType = taskType;
            this.trainDataPath = trainDataPath;
            this.contextLength = contextLength;
        }

        public Builder taskType(TaskType v) { taskType = v; return this; }
        public Builder trainDataPath(Path v) { trainDataPath = v; return this; }
        public Builder contextLength(int v) { contextLength = v; return this; }
        public Builder evalDataPath(Path v) { evalDataPath = v; return this; }
        public Builder validateInputs(boolean v) { validateInputs = v; return this; }
        public Builder allowPercentageInvalidSamples(double v) { allowPercentageInvalidSamples = v; return this; }
        public Builder packing(boolean v) { packing = v; return this; }
        public Builder targetPrompts(TargetPrompts v) { targetPrompts = v; return this; }
        public Builder targetResponses(TargetResponses v) { targetResponses = v; return this; }
        public Builder validationSplitRatio(double v) { validationSplitRatio = v; return this; }
        public Builder trainDataSplitSeed(long v) { trainDataSplitSeed = v; return this; }
        public Builder maxTrainSamples(int v) { maxTrainSamples = v; return this; }
        public Builder maxValSamples(int v) { maxValSamples = v; return this; }
        public Builder preprocessingNumWorkers(int v) { preprocessingNumWorkers = v; return this; }
        public Builder cacheDir(Path v) { cacheDir = v; return this; }
        public Builder allowSystemMessages(Boolean v) { allowSystemMessages = v; return this; }
        public Builder chatDateString(String v) { chatDateString = v; return this; }
        public Builder padToContextLength(boolean v) { padToContextLength = v; return this; }
        public Builder tokenizerFingerprint(String v) { tokenizerFingerprint = v; return this; }

        public DataOptions build() {
            return new DataOptions(taskType, trainDataPath, evalDataPath, contextLength, validateInputs,
                    allowPercentageInvalidSamples, packing, targetPrompts, targetResponses, validationSplitRatio,
                    trainDataSplitSeed, maxTrainSamples, maxValSamples, preprocessingNumWorkers, cacheDir,
                    allowSystemMessages, chatDateString, padToContextLength, tokenizerFingerprint);
        }
    }
}
