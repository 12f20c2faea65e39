package dev.finetune4j.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.TensorSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The architecture of a Llama-family decoder (Llama 2/3/3.x, CodeLlama, Mistral, Qwen2) as read from a HF
 * {@code config.json}, with HF's defaults per model type (docs/training.md §12.1).
 *
 * @param qkvBias          q/k/v projections have a bias (Qwen2, or Llama's {@code attention_bias})
 * @param oBias            o_proj has a bias (Llama's {@code attention_bias})
 * @param slidingWindow    Mistral/Qwen2 sliding window, 0 = full attention
 * @param maxWindowLayers  Qwen2: layers with index {@code >= maxWindowLayers} use the window; 0 for all layers
 * @param ropeScaling      null for plain RoPE
 * @param padTokenId       -1 when the config has none
 * @param originalMaxPositionEmbeddings Phi-3's pretraining context (longrope's switch point); 0 for other families
 * @param partialRotaryFactor the fraction of each head RoPE rotates (Phi-3's {@code partial_rotary_factor}; 1)
 * @param residualDropout  Phi-3's {@code resid_pdrop} on the attention and MLP outputs while training (0 otherwise)
 */
public record LlamaConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                          int numAttentionHeads, int numKeyValueHeads, int headDim, int maxPositionEmbeddings,
                          double rmsNormEps, double ropeTheta, RopeScaling ropeScaling, boolean qkvBias, boolean oBias,
                          boolean mlpBias, boolean tieWordEmbeddings, int slidingWindow, int maxWindowLayers,
                          double initializerRange, int padTokenId, int bosTokenId, List<Integer> eosTokenIds,
                          double attentionDropout, int originalMaxPositionEmbeddings, double partialRotaryFactor,
                          double residualDropout) {

    /**
     * Validates the whole architecture before anything is allocated; each refusal names the config.json key, the
     * value and the allowed range.
     */
    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
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
        if (!(residualDropout >= 0 && residualDropout < 1)) {
            throw new ConfigException("config.json resid_pdrop = " + residualDropout + " is out of range; allowed: "
                    + "0 <= resid_pdrop < 1");
        }
        int rotary = Phi3Keys.rotaryDim(headDim, partialRotaryFactor);
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

    /** Model types this engine runs. */
    public static final List<String> SUPPORTED_TYPES = List.of("llama", "mistral", "qwen2", "phi3");

    /** Whether q/k/v and gate/up are fused into {@code qkv_proj} and {@code gate_up_proj} (Phi-3). */
    public boolean fusedProjections() {
        return modelType.equals(Phi3Keys.MODEL_TYPE);
    }

    /** The features of each head that RoPE rotates: {@code int(head_dim · partial_rotary_factor)}. */
    public int rotaryDim() {
        return Phi3Keys.rotaryDim(headDim, partialRotaryFactor);
    }

    /** kv-head repetition for grouped-query attention. */
    public int kvGroups() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** The sliding window of layer {@code layer}, 0 = full attention. */
    public int slidingWindowFor(int layer) {
        return slidingWindow > 0 && layer >= maxWindowLayers ? slidingWindow : 0;
    }

    /** Parses a config.json (v4 or v5 spelling: {@code rope_theta}/{@code rope_scaling} or {@code rope_parameters}). */
    public static LlamaConfig fromJson(ObjectNode json) {
        String type = json.path("model_type").asText("llama").toLowerCase(Locale.ROOT);
        if (!SUPPORTED_TYPES.contains(type)) {
            throw new ConfigException("config.json model_type '" + type + "' is not supported; allowed: "
                    + SUPPORTED_TYPES);
        }
        boolean mistral = type.equals("mistral");
        boolean qwen = type.equals("qwen2");
        boolean phi3 = type.equals(Phi3Keys.MODEL_TYPE);
        int vocab = intOf(json, "vocab_size", qwen ? 151936 : phi3 ? 32064 : 32000);
        int hidden = intOf(json, "hidden_size", phi3 ? 3072 : 4096);
        int inter = intOf(json, "intermediate_size", mistral ? 14336 : qwen ? 22016 : phi3 ? 8192 : 11008);
        int layers = intOf(json, "num_hidden_layers", 32);
        int heads = intOf(json, "num_attention_heads", 32);
        int kv = json.hasNonNull("num_key_value_heads") ? intOf(json, "num_key_value_heads", heads)
                : mistral ? 8 : heads;
        if (heads <= 0) {
            throw new ConfigException("config.json num_attention_heads = " + heads + " is out of range; allowed: 1 or "
                    + "more");
        }
        if (!json.hasNonNull("head_dim") && hidden % heads != 0) {
            throw new ConfigException("config.json hidden_size (" + hidden + ") must be divisible by "
                    + "num_attention_heads (" + heads + ") when head_dim is not given");
        }
        int headDim = json.hasNonNull("head_dim") ? intOf(json, "head_dim", 0) : hidden / heads;
        int maxPos = intOf(json, "max_position_embeddings", mistral ? 131072 : qwen ? 32768 : phi3 ? 4096 : 2048);
        double eps = doubleOf(json, "rms_norm_eps", phi3 ? 1e-5 : 1e-6);
        int originalMax = phi3 ? intOf(json, "original_max_position_embeddings", Phi3Keys.DEFAULT_ORIGINAL_MAX) : 0;
        JsonNode ropeParams = json.get("rope_parameters");
        for (String key : List.of("rope_parameters", "rope_scaling")) {
            JsonNode n = json.get(key);
            if (n != null && !n.isNull() && !n.isObject()) {
                throw new ConfigException("config.json " + key + " must be an object or null, got " + n);
            }
        }
        double theta = json.hasNonNull("rope_theta") ? doubleOf(json, "rope_theta", 10000.0)
                : ropeParams != null && ropeParams.hasNonNull("rope_theta")
                ? doubleOf((ObjectNode) ropeParams, "rope_theta", 10000.0)
                : 10000.0;
        JsonNode scalingNode = json.hasNonNull("rope_scaling") ? json.get("rope_scaling") : ropeParams;
        String scalingKey = scalingNode == ropeParams ? "rope_parameters" : "rope_scaling";
        RopeScaling scaling = scalingNode == null || scalingNode.isNull() ? null
                : phi3 ? Phi3Keys.ropeScaling((ObjectNode) scalingNode, scalingKey, maxPos, originalMax)
                : ropeScaling(scalingNode, scalingKey, maxPos);
        boolean attentionBias = boolOf(json, "attention_bias", false);
        if (phi3) {
            Phi3Keys.noBias(json, "attention_bias");
            Phi3Keys.noBias(json, "mlp_bias");
        }
        boolean qkvBias = qwen || attentionBias;
        boolean oBias = !qwen && attentionBias;
        int window = 0;
        int maxWindowLayers = 0;
        if (phi3) {
            window = intOf(json, "sliding_window", 0);
        } else if (mistral) {
            window = json.has("sliding_window") ? intOf(json, "sliding_window", 0) : 4096;
        } else if (qwen && boolOf(json, "use_sliding_window", false) && json.hasNonNull("sliding_window")) {
            window = intOf(json, "sliding_window", 0);
            maxWindowLayers = intOf(json, "max_window_layers", 28);
        }
        int pad = json.hasNonNull("pad_token_id") ? intOf(json, "pad_token_id", -1)
                : phi3 && !json.has("pad_token_id") && 32000 < vocab ? 32000 : -1;
        List<Integer> eos = new ArrayList<>();
        JsonNode eosNode = json.get("eos_token_id");
        if (eosNode == null) {
            // HF's default, unless a tiny test vocabulary cannot hold it (then the model has no EOS token)
            int dflt = qwen ? 151643 : phi3 ? 32000 : 2;
            if (dflt < vocab) {
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
        String act = json.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new ConfigException("config.json hidden_act '" + act + "' is not supported; allowed: silu");
        }
        return new LlamaConfig(type, vocab, hidden, inter, layers, heads, kv, headDim, maxPos, eps, theta, scaling,
                qkvBias, oBias, boolOf(json, "mlp_bias", false), boolOf(json, "tie_word_embeddings", false), window,
                maxWindowLayers, doubleOf(json, "initializer_range", 0.02), pad,
                json.hasNonNull("bos_token_id") ? intOf(json, "bos_token_id", 1) : -1, eos,
                doubleOf(json, "attention_dropout", 0.0), originalMax,
                phi3 ? doubleOf(json, "partial_rotary_factor", 1.0) : 1.0,
                phi3 ? doubleOf(json, "resid_pdrop", 0.0) : 0.0);
    }

    private static RopeScaling ropeScaling(JsonNode n, String key, int maxPos) {
        String type = n.hasNonNull("rope_type") ? n.get("rope_type").asText()
                : n.hasNonNull("type") ? n.get("type").asText() : "default";
        ObjectNode o = (ObjectNode) n;
        switch (type) {
            case "default":
                return null;
            case RopeScaling.LINEAR:
            case RopeScaling.DYNAMIC:
                return new RopeScaling(type, doubleOf(o, "factor", 1.0), 0, 0, 0);
            case RopeScaling.LLAMA3:
                return new RopeScaling(type, doubleOf(o, "factor", 8.0), doubleOf(o, "low_freq_factor", 1.0),
                        doubleOf(o, "high_freq_factor", 4.0), intOf(o, "original_max_position_embeddings", 8192));
            default:
                throw new ConfigException("config.json " + key + ".rope_type '" + type + "' is not supported; "
                        + "allowed: default, linear, dynamic, llama3");
        }
    }

    private static int intOf(ObjectNode json, String key, int dflt) {
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

    private static double doubleOf(ObjectNode json, String key, double dflt) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isNumber()) {
            throw new ConfigException("config.json " + key + " must be a number, got " + n);
        }
        return n.asDouble();
    }

    private static boolean boolOf(ObjectNode json, String key, boolean dflt) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new ConfigException("config.json " + key + " must be true or false, got " + n);
        }
        return n.asBoolean();
    }

    /** A config.json (v4 spelling) describing this architecture, for writing HF model folders. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        String arch = switch (modelType) {
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "phi3" -> "Phi3ForCausalLM";
            default -> "LlamaForCausalLM";
        };
        o.putArray("architectures").add(arch);
        o.put("model_type", modelType);
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_key_value_heads", numKeyValueHeads);
        o.put("head_dim", headDim);
        o.put("hidden_act", "silu");
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("rms_norm_eps", rmsNormEps);
        o.put("rope_theta", ropeTheta);
        if (ropeScaling == null) {
            o.putNull("rope_scaling");
        } else {
            ObjectNode s = o.putObject("rope_scaling");
            s.put("rope_type", ropeScaling.type());
            s.put("factor", ropeScaling.factor());
            if (ropeScaling.type().equals(RopeScaling.LLAMA3)) {
                s.put("low_freq_factor", ropeScaling.lowFreqFactor());
                s.put("high_freq_factor", ropeScaling.highFreqFactor());
                s.put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
            }
        }
        if (!modelType.equals("qwen2") && !fusedProjections()) {
            o.put("attention_bias", qkvBias);
        }
        if (!fusedProjections()) {
            o.put("mlp_bias", mlpBias);
        }
        o.put("tie_word_embeddings", tieWordEmbeddings);
        if (modelType.equals("mistral")) {
            if (slidingWindow > 0) {
                o.put("sliding_window", slidingWindow);
            } else {
                o.putNull("sliding_window");
            }
        } else if (modelType.equals("qwen2")) {
            o.put("use_sliding_window", slidingWindow > 0);
            o.put("sliding_window", slidingWindow > 0 ? slidingWindow : maxPositionEmbeddings);
            o.put("max_window_layers", maxWindowLayers);
        } else if (fusedProjections()) {
            Phi3Keys.write(this, o);
        }
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
        o.put("torch_dtype", "float32");
        return o;
    }
}
