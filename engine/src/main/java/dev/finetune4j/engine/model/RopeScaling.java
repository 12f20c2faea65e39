package dev.finetune4j.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code rope_scaling} / {@code rope_parameters} of a config (docs/training.md §12.3, docs/models.md §10).
 * {@code type} is one of {@code linear}, {@code dynamic}, {@code llama3}, {@code longrope}; the llama3 fields are 0
 * and the longrope lists empty for the other types.
 *
 * @param factor                        linear/dynamic/llama3 factor; longrope: the context extension factor, given or
 *                                      {@code max_position_embeddings / original_max_position_embeddings}
 * @param originalMaxPositionEmbeddings llama3 and longrope: the pretraining context (longrope picks the long factors
 *                                      when a sequence is longer than this)
 * @param shortFactor                   longrope: per-frequency divisors for sequences up to the original context
 * @param longFactor                    longrope: per-frequency divisors for longer sequences
 * @param attentionFactor               longrope: the factor cos and sin are multiplied by, given or
 *                                      {@code sqrt(1 + ln(factor) / ln(original_max_position_embeddings))} (1 when
 *                                      {@code factor <= 1}); 1 for the other types
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositionEmbeddings, List<Double> shortFactor, List<Double> longFactor,
                          double attentionFactor) {

    public static final String LINEAR = "linear";
    public static final String DYNAMIC = "dynamic";
    public static final String LLAMA3 = "llama3";
    public static final String LONGROPE = "longrope";

    public RopeScaling {
        shortFactor = List.copyOf(shortFactor);
        longFactor = List.copyOf(longFactor);
    }

    /** A linear, dynamic or llama3 scaling (no longrope lists, attention factor 1). */
    public RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                       int originalMaxPositionEmbeddings) {
        this(type, factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings, List.of(), List.of(), 1.0);
    }

    /**
     * A longrope scaling from its config.json object {@code key} ({@code rope_scaling} or {@code rope_parameters}).
     * As in HF, a top-level {@code original_max_position_embeddings} (Phi-3 has one, default 4096; pass -1 when the
     * family has none) wins over the object's own; without either, {@code max_position_embeddings} is the original
     * context. {@code factor} and {@code attention_factor} are optional and derived as HF derives them.
     */
    public static RopeScaling longrope(ObjectNode o, String key, int maxPositionEmbeddings, int topLevelOriginalMax) {
        int original = topLevelOriginalMax != -1 ? topLevelOriginalMax
                : intOf(o, key, "original_max_position_embeddings", maxPositionEmbeddings);
        if (original <= 0) {
            throw new ConfigException("config.json original_max_position_embeddings = " + original + " is out of "
                    + "range; allowed: 1 or more");
        }
        double factor = o.hasNonNull("factor") ? number(o, key, "factor")
                : (double) maxPositionEmbeddings / original;
        double attention = o.hasNonNull("attention_factor") ? number(o, key, "attention_factor")
                : factor <= 1.0 ? 1.0 : Math.sqrt(1 + Math.log(factor) / Math.log(original));
        return new RopeScaling(LONGROPE, factor, 0, 0, original, factors(o, key, "short_factor"),
                factors(o, key, "long_factor"), attention);
    }

    private static List<Double> factors(ObjectNode o, String key, String name) {
        JsonNode n = o.get(name);
        if (n == null || n.isNull()) {
            throw new ConfigException("config.json " + key + "." + name + " is missing; longrope needs short_factor "
                    + "and long_factor, lists of head_dim × partial_rotary_factor / 2 numbers");
        }
        if (!n.isArray()) {
            throw new ConfigException("config.json " + key + "." + name + " must be a list of numbers, got "
                    + abbreviate(n));
        }
        List<Double> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            JsonNode v = n.get(i);
            if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) {
                throw new ConfigException("config.json " + key + "." + name + "[" + i + "] = " + abbreviate(v)
                        + " is out of range; allowed: a finite number > 0");
            }
            out.add(v.asDouble());
        }
        return out;
    }

    private static double number(ObjectNode o, String key, String name) {
        JsonNode n = o.get(name);
        if (!n.isNumber()) {
            throw new ConfigException("config.json " + key + "." + name + " must be a number, got " + abbreviate(n));
        }
        return n.asDouble();
    }

    private static int intOf(ObjectNode o, String key, String name, int dflt) {
        JsonNode n = o.get(name);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new ConfigException("config.json " + key + "." + name + " must be an integer, got "
                    + abbreviate(n));
        }
        return n.asInt();
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    /**
     * Refuses factors that would make the frequencies meaningless (zero, negative, infinite or NaN) and longrope
     * lists whose length is not {@code rotaryDim / 2} (one factor per rotated frequency).
     */
    void validate(int rotaryDim) {
        if (!(factor > 0 && Double.isFinite(factor))) {
            throw new ConfigException("config.json rope_scaling.factor = " + factor + " is out of range; allowed: a "
                    + "finite number > 0");
        }
        if (type.equals(LLAMA3)) {
            if (!(lowFreqFactor > 0 && highFreqFactor > lowFreqFactor && Double.isFinite(highFreqFactor))) {
                throw new ConfigException("config.json rope_scaling low_freq_factor = " + lowFreqFactor
                        + " and high_freq_factor = " + highFreqFactor + " are out of range; allowed: 0 < "
                        + "low_freq_factor < high_freq_factor (finite)");
            }
            if (originalMaxPositionEmbeddings <= 0) {
                throw new ConfigException("config.json rope_scaling.original_max_position_embeddings = "
                        + originalMaxPositionEmbeddings + " is out of range; allowed: 1 or more");
            }
        }
        if (type.equals(LONGROPE)) {
            if (!(attentionFactor > 0 && Double.isFinite(attentionFactor))) {
                throw new ConfigException("config.json rope_scaling.attention_factor = " + attentionFactor + " is out "
                        + "of range; allowed: a finite number > 0");
            }
            checkLength("short_factor", shortFactor, rotaryDim);
            checkLength("long_factor", longFactor, rotaryDim);
        }
    }

    private static void checkLength(String name, List<Double> list, int rotaryDim) {
        if (list.size() != rotaryDim / 2) {
            throw new ConfigException("config.json rope_scaling." + name + " has " + list.size() + " entries; "
                    + "allowed: exactly " + rotaryDim / 2 + " (one per rotated frequency: head_dim × "
                    + "partial_rotary_factor = " + rotaryDim + ", divided by 2)");
        }
    }

    /**
     * The {@code rope_scaling} object to write into an exported config.json. Longrope is written the way Phi-3's
     * configs spell it ({@code type}, {@code short_factor}, {@code long_factor}); {@code factor} and
     * {@code attention_factor} are added only when they differ from what HF derives without them.
     */
    public ObjectNode toJson(int maxPositionEmbeddings) {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        if (!type.equals(LONGROPE)) {
            s.put("rope_type", type);
            s.put("factor", factor);
            if (type.equals(LLAMA3)) {
                s.put("low_freq_factor", lowFreqFactor);
                s.put("high_freq_factor", highFreqFactor);
                s.put("original_max_position_embeddings", originalMaxPositionEmbeddings);
            }
            return s;
        }
        s.put("type", LONGROPE);
        shortFactor.forEach(s.putArray("short_factor")::add);
        longFactor.forEach(s.putArray("long_factor")::add);
        double derived = (double) maxPositionEmbeddings / originalMaxPositionEmbeddings;
        if (factor != derived) {
            s.put("factor", factor);
        }
        double derivedAttention = factor <= 1.0 ? 1.0
                : Math.sqrt(1 + Math.log(factor) / Math.log(originalMaxPositionEmbeddings));
        if (attentionFactor != derivedAttention) {
            s.put("attention_factor", attentionFactor);
        }
        return s;
    }
}
