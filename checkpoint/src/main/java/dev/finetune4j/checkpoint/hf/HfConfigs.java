package dev.finetune4j.checkpoint.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Normalises {@code config.json} to the transformers v4 spelling (docs/formats.md §4.1): v5's
 * {@code rope_parameters} becomes {@code rope_theta} + {@code rope_scaling} (null for the default rope type),
 * v5's {@code dtype} becomes {@code torch_dtype}, and an old {@code rope_scaling.type} is copied to
 * {@code rope_type}.
 */
public final class HfConfigs {
    private HfConfigs() {
    }

    /** A normalised deep copy; the argument is not changed. */
    public static ObjectNode normalize(ObjectNode raw) {
        ObjectNode c = raw.deepCopy();
        JsonNode params = c.get("rope_parameters");
        if (params != null && params.isObject()) {
            ObjectNode p = ((ObjectNode) params).deepCopy();
            JsonNode theta = p.remove("rope_theta");
            if (theta != null && !c.has("rope_theta")) {
                c.set("rope_theta", theta);
            }
            String type = p.has("rope_type") ? p.get("rope_type").asText() : p.path("type").asText("default");
            if (!c.has("rope_scaling") || c.get("rope_scaling").isNull()) {
                if (type.equals("default") && p.size() <= 1) {
                    c.putNull("rope_scaling");
                } else {
                    c.set("rope_scaling", p);
                }
            }
            c.remove("rope_parameters");
        }
        JsonNode scaling = c.get("rope_scaling");
        if (scaling != null && scaling.isObject() && !scaling.has("rope_type") && scaling.has("type")) {
            ((ObjectNode) scaling).set("rope_type", scaling.get("type"));
        }
        JsonNode dtype = c.remove("dtype");
        if (dtype != null && !c.has("torch_dtype")) {
            c.set("torch_dtype", dtype);
        }
        return c;
    }
}
