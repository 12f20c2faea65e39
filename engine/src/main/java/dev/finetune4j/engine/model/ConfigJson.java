package dev.finetune4j.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Typed reads of a config.json object: an absent or null key gives the default; a value of the wrong type is refused
 * with a message naming the key and the value.
 */
public final class ConfigJson {

    private final ObjectNode json;

    public ConfigJson(ObjectNode json) {
        this.json = json;
    }

    public ObjectNode node() {
        return json;
    }

    /** Whether {@code key} is present and not null. */
    public boolean has(String key) {
        return json.hasNonNull(key);
    }

    /** Whether {@code key} is present (possibly null). */
    public boolean present(String key) {
        return json.has(key);
    }

    public JsonNode get(String key) {
        return json.get(key);
    }

    public int intOf(String key, int dflt) {
        return intOf(json, key, dflt);
    }

    public double doubleOf(String key, double dflt) {
        return doubleOf(json, key, dflt);
    }

    public boolean boolOf(String key, boolean dflt) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new ConfigException("config.json " + key + " must be true or false, got " + n);
        }
        return n.asBoolean();
    }

    /** A text value, or {@code dflt} when absent or null. */
    public String textOf(String key, String dflt) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isTextual()) {
            throw new ConfigException("config.json " + key + " must be a string, got " + n);
        }
        return n.asText();
    }

    static int intOf(ObjectNode json, String key, int dflt) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new ConfigException("config.json " + key + " must be an integer between " + Integer.MIN_VALUE
                    + " and " + Integer.MAX_VALUE + ", got " + n);
        }
        return n.asInt();
    }

    static double doubleOf(ObjectNode json, String key, double dflt) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isNumber()) {
            throw new ConfigException("config.json " + key + " must be a number, got " + n);
        }
        return n.asDouble();
    }
}
