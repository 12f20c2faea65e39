package dev.finetune4j.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.engine.model.arch.ArchSpec;
import dev.finetune4j.engine.model.arch.FamilyConfig;
import dev.finetune4j.engine.model.arch.FamilyOptions;
import dev.finetune4j.engine.model.arch.ModelFamilies;
import dev.finetune4j.engine.model.arch.SlidingPattern;
import java.util.ArrayList;
import java.util.List;

/**
 * The architecture of a decoder as read from a HF {@code config.json}: the family's {@link ArchSpec} (chosen by
 * {@link ModelFamilies#of}) and the sizes, with HF's defaults per family (docs/training.md §12.1). One type for all
 * families; family-only values sit in {@link #family()}.
 *
 * @param spec             the model family
 * @param qkvBias          q/k/v projections have a bias (Qwen2, or Llama's {@code attention_bias})
 * @param oBias            o_proj has a bias (Llama's {@code attention_bias})
 * @param slidingWindow    the sliding window, 0 = full attention; {@link ArchSpec#sliding()} says which layers use it
 * @param maxWindowLayers  Qwen2: layers with index {@code >= maxWindowLayers} use the window
 * @param ropeScaling      null for plain RoPE
 * @param padTokenId       -1 when the config has none
 * @param family           soft-capping, query scalar, MoE shape ({@link FamilyOptions#NONE} when none)
 */
public record ModelConfig(ArchSpec spec, int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                          int numAttentionHeads, int numKeyValueHeads, int headDim, int maxPositionEmbeddings,
                          double rmsNormEps, double ropeTheta, RopeScaling ropeScaling, boolean qkvBias, boolean oBias,
                          boolean mlpBias, boolean tieWordEmbeddings, int slidingWindow, int maxWindowLayers,
                          double initializerRange, int padTokenId, int bosTokenId, List<Integer> eosTokenIds,
                          double attentionDropout, FamilyOptions family) {

    /**
     * Validates the whole architecture before anything is allocated; each refusal names the config.json key, the
     * value and the allowed range.
     */
    public ModelConfig {
        java.util.Objects.requireNonNull(spec, "spec");
        eosTokenIds = List.copyOf(eosTokenIds);
        family = family == null ? FamilyOptions.NONE : family;
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        inRange("num_key_value_heads", numKeyValueHeads, 1, numAttentionHeads);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new ConfigException("config.json num_attention_heads (" + numAttentionHeads + ") must be a "
                    + "multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
        positive("head_dim", headDim);
        if (headDim % 2 != 0) {
            throw new ConfigException("config.json head_dim must be even for rotary embeddings, got " + headDim);
        }
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (!(rmsNormEps > 0 && rmsNormEps < 1)) {
            throw new ConfigException("config.json rms_norm_eps = " + rmsNormEps + " is out of range; allowed: "
                    + "0 < rms_norm_eps < 1");
        }
        if (!(ropeTheta > 0 && Double.isFinite(ropeTheta))) {
            throw new ConfigException("config.json rope_theta = " + ropeTheta + " is out of range; allowed: a finite "
                    + "number > 0");
        }
        if (!(initializerRange >= 0 && Double.isFinite(initializerRange))) {
            throw new ConfigException("config.json initializer_range = " + initializerRange + " is out of range; "
                    + "allowed: a finite number >= 0");
        }
        if (!(attentionDropout >= 0 && attentionDropout < 1)) {
            throw new ConfigException("config.json attention_dropout = " + attentionDropout + " is out of range; "
                    + "allowed: 0 <= attention_dropout < 1");
        }
        inRange("sliding_window", slidingWindow, 0, Integer.MAX_VALUE);
        inRange("max_window_layers", maxWindowLayers, 0, Integer.MAX_VALUE);
        tokenId("pad_token_id", padTokenId, vocabSize);
        tokenId("bos_token_id", bosTokenId, vocabSize);
        for (int eos : eosTokenIds) {
            if (eos < 0 || eos >= vocabSize) {
                throw new ConfigException("config.json eos_token_id " + (eosTokenIds.size() > 1 ? "list "
                        + eosTokenIds + " holds " : "= ") + eos + ", outside the vocabulary; allowed: 0.."
                        + (vocabSize - 1) + " (vocab_size " + vocabSize + ")");
            }
        }
        int rotary = rotaryDim(headDim, family.partialRotaryFactor());
        if (ropeScaling != null) {
            ropeScaling.validate(rotary);
        }
    }

    private static void positive(String key, int value) {
        inRange(key, value, 1, Integer.MAX_VALUE);
    }

    private static void inRange(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ConfigException("config.json " + key + " = " + value + " is out of range; allowed: " + min
                    + (max == Integer.MAX_VALUE ? " or more" : ".." + max));
        }
    }

    /** -1 means "none" (the key is absent or null). */
    private static void tokenId(String key, int id, int vocabSize) {
        if (id != -1 && (id < 0 || id >= vocabSize)) {
            throw new ConfigException("config.json " + key + " = " + id + " is outside the vocabulary; allowed: 0.."
                    + (vocabSize - 1) + " (vocab_size " + vocabSize + ") or null");
        }
    }

    /**
     * Checks this config against the weights' names and header shapes (layer count, vocabulary, hidden, heads,
     * intermediate size) without reading or allocating anything; {@link CausalLm#fromWeights} does it first too.
     *
     * @throws ConfigException naming the key, the configured value and what the weights hold
     */
    public void checkAgainst(TensorSource weights) {
        ConfigWeightsCheck.check(this, weights);
    }

    /** Model types this engine runs (the families of {@link ModelFamilies}). */
    public static List<String> supportedTypes() {
        return ModelFamilies.supportedTypes();
    }

    /** This architecture with {@code layers} decoder layers (e.g. one, to look at a layer's shapes cheaply). */
    public ModelConfig withLayers(int layers) {
        return new ModelConfig(spec, vocabSize, hiddenSize, intermediateSize, layers, numAttentionHeads,
                numKeyValueHeads, headDim, maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling, qkvBias, oBias,
                mlpBias, tieWordEmbeddings, slidingWindow, maxWindowLayers, initializerRange, padTokenId, bosTokenId,
                eosTokenIds, attentionDropout, family);
    }

    /** config.json {@code model_type} of the family. */
    public String modelType() {
        return spec.modelType();
    }

    /** The features of each head RoPE rotates: {@code int(head_dim · partial_rotary_factor)} (docs/training.md §12.3). */
    public int rotaryDim() {
        return rotaryDim(headDim, family.partialRotaryFactor());
    }

    private static int rotaryDim(int headDim, double partialRotaryFactor) {
        int dim = (int) (headDim * partialRotaryFactor);
        if (dim < 2 || dim % 2 != 0) {
            throw new ConfigException("config.json partial_rotary_factor = " + partialRotaryFactor + " gives "
                    + "int(head_dim " + headDim + " × " + partialRotaryFactor + ") = " + dim + " rotated features; "
                    + "allowed: a factor giving an even number of at least 2");
        }
        return dim;
    }

    /** kv-head repetition for grouped-query attention. */
    public int kvGroups() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** The sliding window of layer {@code layer}, 0 = full attention (by the family's {@link SlidingPattern}). */
    public int slidingWindowFor(int layer) {
        if (slidingWindow <= 0) {
            return 0;
        }
        return switch (spec.sliding()) {
            case NONE -> 0;
            case ALL -> slidingWindow;
            case FROM_LAYER -> layer >= maxWindowLayers ? slidingWindow : 0;
            case EVEN_LAYERS -> layer % 2 == 0 ? slidingWindow : 0;
        };
    }

    /** The attention scale: {@code 1/sqrt(query_pre_attn_scalar)} when the family has one, else 1/sqrt(head_dim). */
    public double attentionScale() {
        return 1.0 / Math.sqrt(family.queryPreAttnScalar() > 0 ? family.queryPreAttnScalar() : headDim);
    }

    /**
     * Parses a config.json (v4 or v5 spelling: {@code rope_theta}/{@code rope_scaling} or {@code rope_parameters}):
     * the family from {@code model_type}/{@code architectures}, its defaults, the common keys, then the family's own.
     */
    public static ModelConfig fromJson(ObjectNode json) {
        ArchSpec spec = ModelFamilies.of(json);
        ConfigJson j = new ConfigJson(json);
        Builder b = new Builder(spec);
        spec.keys().defaults(b);
        b.vocabSize = j.intOf("vocab_size", b.vocabSize);
        b.hiddenSize = j.intOf("hidden_size", b.hiddenSize);
        b.intermediateSize = j.intOf("intermediate_size", b.intermediateSize);
        b.numHiddenLayers = j.intOf("num_hidden_layers", b.numHiddenLayers);
        int heads = j.intOf("num_attention_heads", b.numAttentionHeads);
        b.numAttentionHeads = heads;
        b.numKeyValueHeads = j.has("num_key_value_heads") ? j.intOf("num_key_value_heads", heads)
                : b.numKeyValueHeads > 0 ? b.numKeyValueHeads : heads;
        if (heads <= 0) {
            throw new ConfigException("config.json num_attention_heads = " + heads + " is out of range; allowed: 1 or "
                    + "more");
        }
        int hidden = b.hiddenSize;
        if (!j.has("head_dim") && b.headDim <= 0 && hidden % heads != 0) {
            throw new ConfigException("config.json hidden_size (" + hidden + ") must be divisible by "
                    + "num_attention_heads (" + heads + ") when head_dim is not given");
        }
        b.headDim = j.has("head_dim") ? j.intOf("head_dim", 0) : b.headDim > 0 ? b.headDim : hidden / heads;
        int maxPos = j.intOf("max_position_embeddings", b.maxPositionEmbeddings);
        b.maxPositionEmbeddings = maxPos;
        b.rmsNormEps = j.doubleOf("rms_norm_eps", b.rmsNormEps);
        JsonNode ropeParams = json.get("rope_parameters");
        for (String key : List.of("rope_parameters", "rope_scaling")) {
            JsonNode n = json.get(key);
            if (n != null && !n.isNull() && !n.isObject()) {
                throw new ConfigException("config.json " + key + " must be an object or null, got " + n);
            }
        }
        b.ropeTheta = j.has("rope_theta") ? j.doubleOf("rope_theta", b.ropeTheta)
                : ropeParams != null && ropeParams.hasNonNull("rope_theta")
                ? ConfigJson.doubleOf((ObjectNode) ropeParams, "rope_theta", b.ropeTheta)
                : b.ropeTheta;
        JsonNode scalingNode = json.hasNonNull("rope_scaling") ? json.get("rope_scaling") : ropeParams;
        b.ropeScaling = scalingNode == null || scalingNode.isNull() ? null
                : ropeScaling(spec, scalingNode, scalingNode == ropeParams ? "rope_parameters" : "rope_scaling", maxPos,
                j.has("original_max_position_embeddings") ? j.intOf("original_max_position_embeddings", -1) : -1);
        b.tieWordEmbeddings = j.boolOf("tie_word_embeddings", b.tieWordEmbeddings);
        b.initializerRange = j.doubleOf("initializer_range", b.initializerRange);
        b.padTokenId = j.has("pad_token_id") ? j.intOf("pad_token_id", -1) : -1;
        b.bosTokenId = j.has("bos_token_id") ? j.intOf("bos_token_id", 1) : -1;
        b.eosTokenIds = eos(json.get("eos_token_id"), b.defaultEosTokenId, b.vocabSize);
        b.attentionDropout = j.doubleOf("attention_dropout", b.attentionDropout);
        spec.keys().read(j, b);
        return b.build();
    }

    private static List<Integer> eos(JsonNode eosNode, int dflt, int vocab) {
        List<Integer> eos = new ArrayList<>();
        if (eosNode == null) {
            // HF's default, unless a tiny test vocabulary cannot hold it (then the model has no EOS token)
            if (dflt >= 0 && dflt < vocab) {
                eos.add(dflt);
            }
        } else if (eosNode.isArray()) {
            for (JsonNode n : eosNode) {
                if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                    throw new ConfigException("config.json eos_token_id must be an integer or a list of integers, "
                            + "got " + eosNode);
                }
                eos.add(n.asInt());
            }
        } else if (eosNode.isIntegralNumber()) {
            eos.add(eosNode.asInt());
        } else if (!eosNode.isNull()) {
            throw new ConfigException("config.json eos_token_id must be an integer or a list of integers, got "
                    + eosNode);
        }
        return eos;
    }

    /**
     * {@code rope_scaling}: the type as the family spells it ({@link FamilyConfig#ropeType}), longrope with a top-level
     * {@code original_max_position_embeddings} when config.json has one (-1: none), as HF's rope standardisation.
     */
    private static RopeScaling ropeScaling(ArchSpec spec, JsonNode n, String key, int maxPos, int topLevelOriginalMax) {
        String type = spec.keys().ropeType(n.hasNonNull("rope_type") ? n.get("rope_type").asText()
                : n.hasNonNull("type") ? n.get("type").asText() : "default");
        ObjectNode o = (ObjectNode) n;
        switch (type) {
            case RopeScaling.LONGROPE:
                return RopeScaling.longrope(o, key, maxPos, topLevelOriginalMax);
            case "default":
                return null;
            case RopeScaling.LINEAR:
            case RopeScaling.DYNAMIC:
                return new RopeScaling(type, ConfigJson.doubleOf(o, "factor", 1.0), 0, 0, 0);
            case RopeScaling.LLAMA3:
                return new RopeScaling(type, ConfigJson.doubleOf(o, "factor", 8.0),
                        ConfigJson.doubleOf(o, "low_freq_factor", 1.0), ConfigJson.doubleOf(o, "high_freq_factor", 4.0),
                        ConfigJson.intOf(o, "original_max_position_embeddings", 8192));
            default:
                throw new ConfigException("config.json " + key + ".rope_type '" + type + "' is not supported; "
                        + "allowed: default, linear, dynamic, llama3, longrope");
        }
    }

    /** A config.json (v4 spelling) describing this architecture, for writing HF model folders. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.putArray("architectures").add(spec.hfArchitecture());
        o.put("model_type", spec.modelType());
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_key_value_heads", numKeyValueHeads);
        o.put("head_dim", headDim);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("rms_norm_eps", rmsNormEps);
        o.put("rope_theta", ropeTheta);
        if (ropeScaling == null) {
            o.putNull("rope_scaling");
        } else {
            o.set("rope_scaling", ropeScaling.toJson(maxPositionEmbeddings));
        }
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("initializer_range", initializerRange);
        if (padTokenId >= 0) {
            o.put("pad_token_id", padTokenId);
        }
        if (bosTokenId >= 0) {
            o.put("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.size() == 1) {
            o.put("eos_token_id", eosTokenIds.get(0));
        } else {
            eosTokenIds.forEach(o.withArray("eos_token_id")::add);
        }
        o.put("attention_dropout", attentionDropout);
        spec.keys().write(this, o);
        o.put("torch_dtype", "float32");
        return o;
    }

    /**
     * The values of a config being read: {@link FamilyConfig#defaults} sets the family's defaults, the common keys
     * are read over them, then {@link FamilyConfig#read} sets the family's own. {@link #build()} validates.
     */
    public static final class Builder {
        public final ArchSpec spec;
        public int vocabSize = 32000;
        public int hiddenSize = 4096;
        public int intermediateSize = 11008;
        public int numHiddenLayers = 32;
        public int numAttentionHeads = 32;
        /** 0: as many as attention heads. */
        public int numKeyValueHeads;
        /** 0: hidden_size / num_attention_heads. */
        public int headDim;
        public int maxPositionEmbeddings = 2048;
        public double rmsNormEps = 1e-6;
        public double ropeTheta = 10000.0;
        public RopeScaling ropeScaling;
        public boolean qkvBias;
        public boolean oBias;
        public boolean mlpBias;
        public boolean tieWordEmbeddings;
        public int slidingWindow;
        public int maxWindowLayers;
        public double initializerRange = 0.02;
        public int padTokenId = -1;
        public int bosTokenId = -1;
        /** HF's {@code eos_token_id} default when the key is absent (-1: none). */
        public int defaultEosTokenId = 2;
        public List<Integer> eosTokenIds = List.of();
        public double attentionDropout;
        public FamilyOptions family = FamilyOptions.NONE;

        public Builder(ArchSpec spec) {
            this.spec = spec;
        }

        public ModelConfig build() {
            return new ModelConfig(spec, vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                    numKeyValueHeads, headDim, maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling, qkvBias,
                    oBias, mlpBias, tieWordEmbeddings, slidingWindow, maxWindowLayers, initializerRange, padTokenId,
                    bosTokenId, eosTokenIds, attentionDropout, family);
        }
    }
}
