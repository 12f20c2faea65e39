package dev.finetune4j.checkpoint.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PEFT {@code LoraConfig} (docs/formats.md §5).
 *
 * @param r LoRA rank
 * @param loraAlpha alpha; scaling = alpha / r (alpha / sqrt(r) with rsLoRA)
 * @param loraDropout dropout on the LoRA branch input
 * @param targetModules module names (e.g. q_proj, v_proj); null = the model-type default
 * @param baseModelNameOrPath the base model
 * @param useRslora rank-stabilised scaling
 * @param bias "none", "all" or "lora_only"
 * @param taskType "CAUSAL_LM"
 * @param peftType must be "LORA"
 * @param fanInFanOut weights stored transposed (false for Llama)
 * @param initLoraWeights true, false or a string such as "gaussian"
 * @param modulesToSave extra fully trained modules, or null
 * @param extra other keys from a read file (kept verbatim when written again)
 */
public record PeftConfig(int r, double loraAlpha, double loraDropout, List<String> targetModules,
                         String baseModelNameOrPath, boolean useRslora, String bias, String taskType, String peftType,
                         boolean fanInFanOut, Object initLoraWeights, List<String> modulesToSave, ObjectNode extra) {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Set<String> KNOWN = Set.of("r", "lora_alpha", "lora_dropout", "target_modules",
            "base_model_name_or_path", "use_rslora", "bias", "task_type", "peft_type", "fan_in_fan_out",
            "init_lora_weights", "modules_to_save", "runtime_config");

    public PeftConfig {
        if (r <= 0) {
            throw new IllegalArgumentException("LoRA r must be positive, got " + r);
        }
        if (!"LORA".equals(peftType)) {
            throw new IllegalArgumentException("peft_type must be LORA, got " + peftType);
        }
        targetModules = targetModules == null ? null : List.copyOf(targetModules);
        modulesToSave = modulesToSave == null ? null : List.copyOf(modulesToSave);
        extra = extra == null ? F.objectNode() : extra.deepCopy();
    }

    /** A LoRA config with PEFT's defaults for the other fields. */
    public static PeftConfig lora(int r, double alpha, double dropout, List<String> targetModules, String baseModel) {
        return new PeftConfig(r, alpha, dropout, targetModules, baseModel, false, "none", "CAUSAL_LM", "LORA", false,
                true, null, null);
    }

    /** scaling = alpha / r, or alpha / sqrt(r) with rsLoRA. */
    public double scaling() {
        return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
    }

    /**
     * The JSON PEFT writes ({@code asdict(config)}; the caller sorts keys): the fields every PEFT version since 0.10
     * knows, so older readers accept it, plus {@link #extra()}.
     */
    public ObjectNode toJson() {
        ObjectNode n = F.objectNode();
        n.set("alpha_pattern", F.objectNode());
        n.putNull("auto_mapping");
        n.put("base_model_name_or_path", baseModelNameOrPath);
        n.put("bias", bias);
        n.put("fan_in_fan_out", fanInFanOut);
        n.put("inference_mode", true);
        if (initLoraWeights instanceof Boolean b) {
            n.put("init_lora_weights", b);
        } else {
            n.put("init_lora_weights", String.valueOf(initLoraWeights));
        }
        n.putNull("layer_replication");
        n.putNull("layers_pattern");
        n.putNull("layers_to_transform");
        n.set("loftq_config", F.objectNode());
        if (loraAlpha == Math.rint(loraAlpha) && Math.abs(loraAlpha) < 1e15) {
            n.put("lora_alpha", (long) loraAlpha);
        } else {
            n.put("lora_alpha", loraAlpha);
        }
        n.put("lora_dropout", loraDropout);
        n.putNull("megatron_config");
        n.put("megatron_core", "megatron.core");
        putList(n, "modules_to_save", modulesToSave);
        n.put("peft_type", peftType);
        n.put("r", r);
        n.set("rank_pattern", F.objectNode());
        n.putNull("revision");
        putList(n, "target_modules", targetModules);
        n.put("task_type", taskType);
        n.put("use_dora", false);
        n.put("use_rslora", useRslora);
        extra.fields().forEachRemaining(e -> n.set(e.getKey(), e.getValue()));
        return n;
    }

    private static void putList(ObjectNode n, String key, List<String> l) {
        if (l == null) {
            n.putNull(key);
        } else {
            l.forEach(n.putArray(key)::add);
        }
    }

    /** Parses adapter_config.json; unknown keys are ignored (kept in {@link #extra()}), runtime_config dropped. */
    public static PeftConfig fromJson(JsonNode n, String source) {
        if (n == null || !n.isObject()) {
            throw CheckpointFormatException.of(source, "adapter config must be a JSON object");
        }
        String peftType = n.path("peft_type").asText("LORA");
        if (!peftType.equals("LORA")) {
            throw CheckpointFormatException.of(source, "peft_type '" + peftType + "' is not supported (only LORA)");
        }
        JsonNode r = n.path("r");
        if (!r.canConvertToInt() || r.asInt() <= 0) {
            throw CheckpointFormatException.of(source, "'r' must be a positive integer, got " + r);
        }
        ObjectNode extra = F.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!KNOWN.contains(e.getKey())) {
                extra.set(e.getKey(), e.getValue());
            }
        }
        for (String k : List.of("alpha_pattern", "auto_mapping", "inference_mode", "layer_replication",
                "layers_pattern", "layers_to_transform", "loftq_config", "megatron_config", "megatron_core",
                "rank_pattern", "revision", "use_dora")) {
            extra.remove(k);
        }
        JsonNode init = n.path("init_lora_weights");
        Object initValue = init.isBoolean() ? (Object) init.asBoolean() : init.isMissingNode() || init.isNull()
                ? Boolean.TRUE : init.asText();
        return new PeftConfig(r.asInt(), n.path("lora_alpha").asDouble(8), n.path("lora_dropout").asDouble(0),
                strings(n.get("target_modules"), source), n.path("base_model_name_or_path").isTextual()
                ? n.get("base_model_name_or_path").asText() : null, n.path("use_rslora").asBoolean(false),
                n.path("bias").asText("none"), n.path("task_type").asText("CAUSAL_LM"), peftType,
                n.path("fan_in_fan_out").asBoolean(false), initValue, strings(n.get("modules_to_save"), source), extra);
    }

    private static List<String> strings(JsonNode n, String source) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return List.of(n.asText()); // "all-linear" or a regex
        }
        if (!n.isArray()) {
            throw CheckpointFormatException.of(source, "expected a list of module names, got " + n);
        }
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }
}
