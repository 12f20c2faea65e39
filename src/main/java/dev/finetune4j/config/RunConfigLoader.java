package dev.finetune4j.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.finetune4j.data.TaskType;
import dev.finetune4j.engine.model.DropoutOptions;
import dev.finetune4j.engine.model.Precision;
import dev.finetune4j.engine.schedule.Time;
import dev.finetune4j.engine.schedule.TimeUnit;
import dev.finetune4j.engine.train.TrainingSpec.EarlyStoppingSpec;
import dev.finetune4j.hub.HfUri;
import dev.finetune4j.hub.RepoRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/** Reads, overrides, binds and validates a {@link RunConfig}. */
final class RunConfigLoader {
    static final List<String> TOP_KEYS = List.of("run_name", "model", "train_data_path", "task_type",
            "eval_data_path", "eval_prompts", "custom_weights_path", "training_duration", "learning_rate",
            "context_length", "validate_inputs", "register_to", "experiment_path", "seed", "micro_batch_size",
            "global_batch_size", "eval_batch_size", "optimizer", "scheduler", "gradient_clip_val", "lora",
            "int8_quantization", "dropout", "precision", "device", "packing", "target_prompts", "target_responses",
            "save_interval", "save_num_checkpoints_to_keep", "autoresume", "max_train_samples", "max_val_samples",
            "validation_split_ratio", "train_data_split_seed", "allow_percentage_invalid_samples",
            "early_stopping", "eval_interval", "log_interval", "progress", "preprocessing_num_workers",
            "allow_partial_weights", "save_top_k", "save_weights_only",
            "activation_checkpointing", "master_weights", "optimizer_in_backward", "dist_timeout", "fsdp");
    static final List<String> FSDP_KEYS = List.of("sharding");
    static final List<String> OPTIMIZER_KEYS = List.of("name", "betas", "weight_decay", "eps");
    static final List<String> SCHEDULER_KEYS = List.of("name", "t_warmup", "warmup_steps", "alpha_i", "alpha_f",
            "min_lr");
    static final List<String> LORA_KEYS = List.of("r", "alpha", "dropout", "target_modules", "use_rslora",
            "loraplus_lr_ratio");
    static final List<String> EARLY_STOPPING_KEYS = List.of("patience", "min_delta");
    static final List<String> DROPOUT_KEYS = List.of("hidden", "attention", "ffn");
    static final List<String> SAVE_TOP_K_KEYS = List.of("k", "monitor", "mode");
    static final List<String> ALL_DOTTED = allDotted();

    private static final Set<TimeUnit> DURATION_UNITS = EnumSet.of(TimeUnit.EPOCH, TimeUnit.BATCH,
            TimeUnit.SAMPLE, TimeUnit.TOKEN);
    static final Set<TimeUnit> WARMUP_UNITS = EnumSet.of(TimeUnit.BATCH, TimeUnit.EPOCH, TimeUnit.SAMPLE,
            TimeUnit.TOKEN, TimeUnit.DURATION);
    private static final Set<TimeUnit> INTERVAL_UNITS = EnumSet.of(TimeUnit.BATCH, TimeUnit.EPOCH,
            TimeUnit.SAMPLE, TimeUnit.TOKEN, TimeUnit.DURATION, TimeUnit.SECOND);
    private static final Pattern RUN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern DEVICE = Pattern.compile("auto|cpu|cuda(:\\d+)?");
    private static final Pattern TARGET_PROMPTS = Pattern.compile("none|all|length>=\\d+");

    /** One-line notes about how keys were read (aliases, an ignored split ratio): stderr. */
    private static final Consumer<String> NOTES = line -> System.err.println(line);

    private RunConfigLoader() {
    }

    private static List<String> allDotted() {
        List<String> all = new ArrayList<>(TOP_KEYS);
        OPTIMIZER_KEYS.forEach(k -> all.add("optimizer." + k));
        SCHEDULER_KEYS.forEach(k -> all.add("scheduler." + k));
        LORA_KEYS.forEach(k -> all.add("lora." + k));
        EARLY_STOPPING_KEYS.forEach(k -> all.add("early_stopping." + k));
        DROPOUT_KEYS.forEach(k -> all.add("dropout." + k));
        SAVE_TOP_K_KEYS.forEach(k -> all.add("save_top_k." + k));
        FSDP_KEYS.forEach(k -> all.add("fsdp." + k));
        return List.copyOf(all);
    }

    static YAMLMapper yamlMapper() {
        YAMLMapper m = new YAMLMapper();
        m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        return m;
    }

    static RunConfig load(Path file, List<String> overrides) {
        String src = file.toString();
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(src, null, "config file not found (expected a YAML or JSON file)");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ConfigException(src, null, "the config file is not UTF-8 text (it holds bytes that are not "
                    + "valid UTF-8); save it as UTF-8", e);
        } catch (IOException e) {
            throw new ConfigException(src, null, "cannot read the config file: " + e.getMessage(), e);
        }
        boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        Path base = file.toAbsolutePath().getParent();
        return fromText(text, json, base, src, overrides);
    }

    static RunConfig fromText(String text, boolean json, Path baseDir, String src, List<String> overrides) {
        YAMLMapper yaml = yamlMapper();
        ObjectMapper mapper = json ? JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .build() : yaml;
        JsonNode tree;
        try {
            tree = text.isBlank() ? null : mapper.readTree(text); // syntax and duplicate-key errors as Jackson words them
            if (!json && tree != null) {
                tree = YamlTree.read(text, yaml); // the same document with aliases resolved to their values
            }
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new ConfigException(src, null, "not valid " + (json ? "JSON" : "YAML") + where + ": "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(src, null, "not valid YAML: " + e.getMessage(), e);
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            tree = mapper.createObjectNode();
        }
        if (!tree.isObject()) {
            throw new ConfigException(src, null, "the configuration must be a mapping of keys (e.g. 'model: ...'),"
                    + " got " + Section.describe(tree));
        }
        ObjectNode root = (ObjectNode) tree;
        Set<String> overridden = Overrides.apply(root, overrides == null ? List.of() : overrides, yaml);
        ConfigOrigin origin = new ConfigOrigin(src, overridden, KeyLines.index(text, mapper));
        return bind(root, baseDir.toAbsolutePath(), KeyAliases.apply(root, origin, NOTES));
    }

    static RunConfig fromMap(Map<String, ?> values, Path baseDir) {
        YAMLMapper yaml = yamlMapper();
        JsonNode tree = yaml.valueToTree(plainValues(values));
        if (!(tree instanceof ObjectNode root)) {
            throw new ConfigException("<map>", null, "the configuration must be a mapping of keys");
        }
        ConfigOrigin origin = new ConfigOrigin("<map>", Set.of(), Map.of());
        return bind(root, baseDir.toAbsolutePath(), KeyAliases.apply(root, origin, NOTES));
    }

    /** Paths, times and enums as their strings, so the tree holds only JSON values. */
    private static Object plainValues(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, val) -> out.put(String.valueOf(k), plainValues(val)));
            return out;
        }
        if (v instanceof Collection<?> c) {
            return c.stream().map(RunConfigLoader::plainValues).toList();
        }
        if (v instanceof Path || v instanceof Time || v instanceof Enum<?>) {
            return v.toString();
        }
        return v;
    }

    static void checkRunName(String name, Section s) {
        if (name != null && !RUN_NAME.matcher(name).matches()) {
            String detail = "'" + name + "' is not a usable folder name; use letters, digits, '.', '_' and '-'";
            throw s == null ? new ConfigException(null, "run_name", detail) : s.error("run_name", detail);
        }
    }

    private static RunConfig bind(ObjectNode root, Path base, ConfigOrigin origin) {
        Section s = new Section(root, "", origin, TOP_KEYS, ALL_DOTTED);
        String runName = s.string("run_name", null);
        checkRunName(runName, s);
        Map<String, String> hubRefs = new LinkedHashMap<>();
        Path model = inputPath(s, "model", base, hubRefs, true);
        Path train = inputPath(s, "train_data_path", base, hubRefs, true);
        TaskType taskType = s.enumValue("task_type", TaskType.class, TaskType.CHAT_COMPLETION);
        Path evalData = inputPath(s, "eval_data_path", base, hubRefs, false);
        List<String> evalPrompts = s.strings("eval_prompts", List.of());
        Path customWeights = inputPath(s, "custom_weights_path", base, hubRefs, false);
        Time duration = s.time("training_duration", "1ep", DURATION_UNITS, true);
        if (duration.value() <= 0) {
            throw s.error("training_duration", "must be positive, got " + duration);
        }
        double lr = s.number("learning_rate", 5e-7, 0, true, Double.POSITIVE_INFINITY, false);
        Integer contextLength = contextLength(s);
        boolean validateInputs = s.bool("validate_inputs", true);
        Path registerTo = registerTo(s, base, runName);
        Path experimentPath = s.has("experiment_path") ? s.path("experiment_path", base)
                : base.resolve("runs").normalize();
        long seed = s.integer("seed", 17, Long.MIN_VALUE, Long.MAX_VALUE);
        int micro = (int) s.integer("micro_batch_size", 1, 1, 1 << 20);
        int global = (int) s.integer("global_batch_size", micro, 1, 1 << 24);
        if (global % micro != 0) {
            throw s.error("global_batch_size", "must be a multiple of micro_batch_size " + micro + ", got "
                    + global);
        }
        int evalBatch = (int) s.integer("eval_batch_size", micro, 1, 1 << 20);
        OptimizerConfig optimizer = ConfigBlocks.optimizer(s, origin);
        SchedulerConfig scheduler = ConfigBlocks.scheduler(s, origin, lr);
        boolean inBackward = s.bool("optimizer_in_backward", false);
        // optimizer_in_backward cannot clip by the global norm: without an explicit value, clipping is off
        double clip = s.number("gradient_clip_val", inBackward ? 0.0 : 1.0, 0, false, Double.POSITIVE_INFINITY,
                false);
        MemoryConfig memory = memory(s, inBackward, clip, micro, global);
        LoraConfig lora = ConfigBlocks.lora(s, origin);
        boolean int8 = s.bool("int8_quantization", false);
        if (int8 && lora == null) {
            throw s.error("int8_quantization", "needs a 'lora' block: int8 base weights cannot be trained, only"
                    + " adapters on top of them");
        }
        DropoutOptions dropout = ConfigBlocks.dropout(s, origin);
        // amp_bf16: Composer's name; fp64 is a test-only engine precision, not a run setting
        Precision precision = "amp_bf16".equalsIgnoreCase(s.string("precision", "auto")) ? Precision.BF16
                : Precision.valueOf(s.choice("precision", List.of("auto", "bf16", "fp32"), "auto")
                        .toUpperCase(Locale.ROOT));
        String device = s.string("device", "auto").toLowerCase(Locale.ROOT);
        if (!DEVICE.matcher(device).matches()) {
            throw s.error("device", "'" + device + "' is not allowed; allowed values: auto, cpu, cuda, cuda:N");
        }
        boolean packing = s.bool("packing", true);
        String targetPrompts = s.string("target_prompts", "none").toLowerCase(Locale.ROOT);
        if (!TARGET_PROMPTS.matcher(targetPrompts).matches()) {
            throw s.error("target_prompts", "'" + targetPrompts + "' is not allowed; allowed values: none, all,"
                    + " length>=N");
        }
        String targetResponses = s.choice("target_responses", List.of("last", "all"), "last");
        Time saveInterval = positiveInterval(s, "save_interval", "1ep");
        int keep = (int) s.integer("save_num_checkpoints_to_keep", -1, -1, Integer.MAX_VALUE);
        boolean autoresume = s.bool("autoresume", false);
        if (autoresume && runName == null) {
            throw s.error("autoresume", "needs run_name, so that a restarted run finds its own checkpoints");
        }
        Long maxTrain = sampleCount(s, "max_train_samples");
        Long maxVal = sampleCount(s, "max_val_samples");
        double split = s.number("validation_split_ratio", 0, 0, false, 1, true);
        if (split > 0 && evalData != null) { // SageMaker's rule: a given validation file wins over a split
            NOTES.accept("note: " + origin.of("validation_split_ratio") + ": validation_split_ratio " + split
                    + " is not used because eval_data_path is given (the eval file wins)");
            split = 0;
        }
        Long splitSeed = s.optionalInteger("train_data_split_seed", Long.MIN_VALUE, Long.MAX_VALUE);
        double invalidPct = s.number("allow_percentage_invalid_samples", 0, 0, false, 100, false);
        EarlyStoppingSpec early = ConfigBlocks.earlyStopping(s, origin);
        if (early != null && evalData == null && split == 0) {
            throw s.error("early_stopping", "needs evaluation data: set eval_data_path or validation_split_ratio");
        }
        Time evalInterval = positiveInterval(s, "eval_interval", "1ep");
        // metrics lines are counted in optimizer steps; other units would be silently ignored downstream
        Time logInterval = s.time("log_interval", "1ba", EnumSet.of(TimeUnit.BATCH), false);
        if (logInterval.value() < 1) {
            throw s.error("log_interval", "must be at least 1ba, got " + logInterval);
        }
        ProgressMode progress = s.enumValue("progress", ProgressMode.class, ProgressMode.AUTO);
        Long workers = s.optionalInteger("preprocessing_num_workers", 1, 1024);
        boolean allowPartial = s.bool("allow_partial_weights", false);
        if (allowPartial && customWeights == null) {
            throw s.error("allow_partial_weights", "only applies to custom_weights_path, which is not set");
        }
        SaveTopKConfig topK = ConfigBlocks.saveTopK(s, origin);
        if (topK != null && keep >= 0) {
            throw s.error("save_top_k", "give either save_top_k (the best k by " + topK.monitor() + ") or"
                    + " save_num_checkpoints_to_keep (the newest N) (" + origin.of("save_num_checkpoints_to_keep")
                    + "), not both");
        }
        if (topK != null && topK.monitor().equals("val_loss") && evalData == null && split == 0) {
            throw s.error("save_top_k", "monitor val_loss needs evaluation data: set eval_data_path or"
                    + " validation_split_ratio, or monitor loss");
        }
        boolean weightsOnly = s.bool("save_weights_only", false);
        if (weightsOnly && autoresume) {
            throw s.error("save_weights_only", "weights-only checkpoints hold no optimizer, scheduler or data"
                    + " position, so autoresume (" + origin.of("autoresume") + ") cannot continue from them; use"
                    + " one of the two");
        }
        double distTimeout = s.number("dist_timeout", 300, 0, true, 86_400, false); // seconds, Composer's default
        String fsdpSharding = ConfigBlocks.fsdpSharding(s, origin);
        return new RunConfig(runName, model, train, taskType, evalData, evalPrompts, customWeights, duration, lr,
                contextLength, validateInputs, registerTo, experimentPath, seed, micro, global, evalBatch, optimizer,
                scheduler, clip, lora, int8, dropout, precision, device, packing, targetPrompts, targetResponses,
                saveInterval, keep, autoresume, maxTrain, maxVal, split, splitSeed, invalidPct, early, evalInterval,
                logInterval, progress, workers == null ? null : workers.intValue(), hubRefs,
                allowPartial, topK, weightsOnly, memory, distTimeout,
                fsdpSharding);
    }

    /**
     * An input path that may instead name the Hub (docs/hub.md): {@code hf://...} always does; {@code org/name[@rev]}
     * does for {@code model} when no such local path exists (a local path wins).
     * A Hub reference is recorded in {@code hubRefs} and fetched later (RunConfig#withInputs), never at load time.
     */
    private static Path inputPath(Section s, String key, Path base, Map<String, String> hubRefs, boolean required) {
        String raw = s.string(key, null);
        if (raw != null && HfUri.isHfUri(raw)) {
            try {
                HfUri.parse(raw);
            } catch (IllegalArgumentException e) {
                throw s.error(key, e.getMessage());
            }
            hubRefs.put(key, raw);
            return null;
        }
        Path p = required ? requirePath(s, key, base) : s.path(key, base);
        if (p != null && key.equals("model") && !Files.exists(p) && !raw.startsWith(".") && !Path.of(raw).isAbsolute()
                && RepoRef.looksLikeRef(raw)) {
            hubRefs.put(key, raw);
        }
        return p;
    }

    /**
     * {@code register_to}: {@code <registry folder>/<model name>}; a value ending in {@code /} names only the
     * registry folder and the model is registered under the run name (Databricks' rule for a schema without a model
     * name). Until the run is named the last segment is {@link RunConfig#RUN_NAME_PLACEHOLDER}.
     */
    private static Path registerTo(Section s, Path base, String runName) {
        String raw = s.string("register_to", null);
        if (raw == null) {
            return null;
        }
        Path p = s.path("register_to", base);
        boolean folderOnly = raw.endsWith("/") || raw.endsWith(java.io.File.separator);
        if (folderOnly || p.getFileName().toString().equals(RunConfig.RUN_NAME_PLACEHOLDER)) {
            Path folder = folderOnly ? p : p.getParent();
            return folder.resolve(runName == null ? RunConfig.RUN_NAME_PLACEHOLDER : runName);
        }
        if (p.getParent() == null) {
            throw s.error("register_to", "must be '<registry folder>/<model name>' or '<registry folder>/', got "
                    + raw);
        }
        return p;
    }

    /** {@code max_*_samples}: a positive count, or -1 (SageMaker's "all samples", like leaving it out). */
    private static Long sampleCount(Section s, String key) {
        Long n = s.integer(key);
        if (n == null || n == -1) {
            return null;
        }
        if (n < 1) {
            throw s.error(key, "value " + n + " is out of range; allowed: >= 1, or -1 for all samples");
        }
        return n;
    }

    private static MemoryConfig memory(Section s, boolean inBackward, double clip, int micro, int global) {
        boolean checkpointing = s.bool("activation_checkpointing", false);
        String masters = s.choice("master_weights", List.of("fp32", "bf16"), "fp32");
        if (inBackward && clip > 0) {
            throw s.error("optimizer_in_backward", "cannot be combined with gradient_clip_val " + clip
                    + ": global-norm clipping needs every gradient before the first update, and optimizer_in_backward"
                    + " updates each layer as soon as its gradients exist; set gradient_clip_val: 0 or "
                    + "optimizer_in_backward: false");
        }
        if (inBackward && global > micro) {
            throw s.error("optimizer_in_backward", "cannot be combined with global_batch_size " + global
                    + " > micro_batch_size " + micro + ": gradients are applied after each micro-batch, so they cannot"
                    + " accumulate; set global_batch_size to micro_batch_size or optimizer_in_backward: false");
        }
        return new MemoryConfig(checkpointing, masters, inBackward);
    }

    private static Path requirePath(Section s, String key, Path base) {
        Path p = s.path(key, base);
        if (p == null) {
            s.requiredString(key);
        }
        return p;
    }

    private static Integer contextLength(Section s) {
        JsonNode v = s.raw("context_length");
        if (v != null && v.isTextual() && v.asText().equalsIgnoreCase("auto")) {
            return null;
        }
        Long n = s.optionalInteger("context_length", 1, 1 << 20);
        return n == null ? null : n.intValue();
    }

    private static Time positiveInterval(Section s, String key, String def) {
        Time t = s.time(key, def, INTERVAL_UNITS, true);
        if (t.value() <= 0) {
            throw s.error(key, "must be positive, got " + t);
        }
        if (t.unit() == TimeUnit.DURATION && t.value() > 1) {
            throw s.error(key, "a fraction of the run must be in (0, 1], got " + t);
        }
        return t;
    }
}
