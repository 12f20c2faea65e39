package dev.finetune4j.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The config.json dialect of Phi-3 (HF's {@code Phi3Config}; docs/models.md "Phi-3"): its defaults, the top-level
 * {@code original_max_position_embeddings}, longrope (also spelled {@code su} / {@code yarn} in older configs),
 * {@code partial_rotary_factor}, {@code sliding_window} (all layers) and the residual dropout {@code resid_pdrop}.
 * Phi-3 has no biases: {@code attention_bias} / {@code mlp_bias} set to true are refused.
 */
final class Phi3Keys {

    static final String MODEL_TYPE = "phi3";
    /** HF's {@code Phi3Config.original_max_position_embeddings} default. */
    static final int DEFAULT_ORIGINAL_MAX = 4096;

    private Phi3Keys() {
    }

    /** The rotary dimension {@code int(head_dim · partial_rotary_factor)}; refuses a factor outside (0, 1]. */
    static int rotaryDim(int headDim, double partialRotaryFactor) {
        if (!(partialRotaryFactor > 0 && partialRotaryFactor <= 1)) {
            throw new ConfigException("config.json partial_rotary_factor = " + partialRotaryFactor + " is out of range; "
                    + "allowed: 0 < partial_rotary_factor <= 1");
        }
        int dim = (int) (headDim * partialRotaryFactor);
        if (dim < 2 || dim % 2 != 0) {
            throw new ConfigException("config.json partial_rotary_factor = " + partialRotaryFactor + " gives "
                    + "int(head_dim " + headDim + " × " + partialRotaryFactor + ") = " + dim + " rotated features; "
                    + "allowed: a factor giving an even number of at least 2");
        }
        return dim;
    }

    /** Refuses a bias flag set to true (Phi-3's Linear layers have none). */
    static void noBias(ObjectNode json, String key) {
        JsonNode n = json.get(key);
        if (n != null && !n.isNull() && !(n.isBoolean() && !n.asBoolean())) {
            throw new ConfigException("config.json " + key + " = " + n + " is not supported for model_type phi3 (its "
                    + "projections have no bias); allowed: false or absent");
        }
    }

    /**
     * The rope scaling of a Phi-3 config: longrope for {@code longrope}, {@code su} and {@code yarn} (HF's
     * {@code Phi3Config} maps the older spellings to longrope), none for {@code default}; anything else is refused.
     */
    static RopeScaling ropeScaling(ObjectNode scaling, String key, int maxPos, int originalMax) {
        String type = scaling.hasNonNull("rope_type") ? scaling.get("rope_type").asText()
                : scaling.hasNonNull("type") ? scaling.get("type").asText() : "default";
        switch (type) {
            case "default":
                return null;
            case RopeScaling.LONGROPE:
            case "su":
            case "yarn":
                return RopeScaling.longrope(scaling, key, maxPos, originalMax);
            default:
                throw new ConfigException("config.json " + key + ".rope_type '" + type + "' is not supported for "
                        + "model_type phi3; allowed: longrope (or its older spellings su, yarn), default");
        }
    }

    /** Writes Phi-3's own keys of {@code c}. */
    static void write(LlamaConfig c, ObjectNode o) {
        o.put("hidden_act", "silu");
        o.put("original_max_position_embeddings", c.originalMaxPositionEmbeddings());
        if (c.slidingWindow() > 0) {
            o.put("sliding_window", c.slidingWindow());
        } else {
            o.putNull("sliding_window");
        }
        if (c.partialRotaryFactor() != 1.0) {
            o.put("partial_rotary_factor", c.partialRotaryFactor());
        }
        o.put("resid_pdrop", c.residualDropout());
        if (c.ropeScaling() != null) {
            o.set("rope_scaling", c.ropeScaling().toJson(c.maxPositionEmbeddings()));
        }
    }

    static final List<String> LORA_DEFAULT = List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj");
}
