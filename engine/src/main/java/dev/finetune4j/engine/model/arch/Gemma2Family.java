package dev.finetune4j.engine.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.model.ConfigException;
import dev.finetune4j.engine.model.ConfigJson;
import dev.finetune4j.engine.model.ModelConfig;

/**
 * Gemma 2 (docs/models.md §9): its HF module names (four norms per layer, named by where they sit) and its
 * config.json dialect (HF's {@code Gemma2Config}): defaults, the soft-capping values, {@code query_pre_attn_scalar},
 * the sliding window of the even layers and the GELU-tanh activation. {@code layer_types}, when present, must be
 * the alternation the decoder computes.
 */
final class Gemma2Family implements FamilyConfig {

    /** HF's {@code Gemma2Model} layout. */
    static final NameTable NAMES = NameTable.builder("model.embed_tokens", "model.norm", "lm_head", "model.layers.")
            .norm(Part.INPUT_NORM, "input_layernorm")
            .linear(Part.Q, "self_attn.q_proj", "q_proj")
            .linear(Part.K, "self_attn.k_proj", "k_proj")
            .linear(Part.V, "self_attn.v_proj", "v_proj")
            .linear(Part.O, "self_attn.o_proj", "o_proj")
            .norm(Part.ATTN_OUT_NORM, "post_attention_layernorm")
            .norm(Part.FFN_NORM, "pre_feedforward_layernorm")
            .linear(Part.GATE, "mlp.gate_proj", "gate_proj")
            .linear(Part.UP, "mlp.up_proj", "up_proj")
            .linear(Part.DOWN, "mlp.down_proj", "down_proj")
            .norm(Part.FFN_OUT_NORM, "post_feedforward_layernorm")
            .build();

    static final Gemma2Family KEYS = new Gemma2Family();

    private static final String ACTIVATION = "gelu_pytorch_tanh";

    private Gemma2Family() {
    }

    @Override
    public void defaults(ModelConfig.Builder b) {
        b.vocabSize = 256000;
        b.hiddenSize = 2304;
        b.intermediateSize = 9216;
        b.numHiddenLayers = 26;
        b.numAttentionHeads = 8;
        b.numKeyValueHeads = 4;
        b.headDim = 256;
        b.maxPositionEmbeddings = 8192;
        b.defaultEosTokenId = 1;
        b.tieWordEmbeddings = true;
    }

    @Override
    public void read(ConfigJson json, ModelConfig.Builder b) {
        boolean attentionBias = json.boolOf("attention_bias", false);
        b.qkvBias = attentionBias;
        b.oBias = attentionBias;
        // HF's defaults where config.json does not name them: pad 0, bos 2
        if (!json.present("pad_token_id")) {
            b.padTokenId = 0 < b.vocabSize ? 0 : -1;
        }
        if (!json.present("bos_token_id")) {
            b.bosTokenId = 2 < b.vocabSize ? 2 : -1;
        }
        b.slidingWindow = json.present("sliding_window") ? json.intOf("sliding_window", 0) : 4096;
        double attnCap = cap(json, "attn_logit_softcapping", 50.0);
        double finalCap = cap(json, "final_logit_softcapping", 30.0);
        double scalar = json.doubleOf("query_pre_attn_scalar", 256);
        if (!(scalar > 0 && Double.isFinite(scalar))) {
            throw new ConfigException("config.json query_pre_attn_scalar = " + scalar + " is out of range; allowed: "
                    + "a finite number > 0");
        }
        b.family = b.family.withSoftcapping(attnCap, finalCap).withQueryPreAttnScalar(scalar);
        // HF's Gemma2MLP reads hidden_activation; a hidden_act next to it is not read by HF either
        String act = json.textOf("hidden_activation", ACTIVATION);
        if (!act.equals(ACTIVATION)) {
            throw new ConfigException("config.json hidden_activation '" + act + "' is not supported for gemma2; "
                    + "allowed: " + ACTIVATION);
        }
        if (json.boolOf("use_bidirectional_attention", false)) {
            throw new ConfigException("config.json use_bidirectional_attention = true is not supported; allowed: "
                    + "false or null (causal attention)");
        }
        checkLayerTypes(json.get("layer_types"), b.numHiddenLayers);
    }

    /** A soft-cap value: absent = HF's default, null = none (0), else a finite number > 0. */
    private static double cap(ConfigJson json, String key, double dflt) {
        if (!json.present(key)) {
            return dflt;
        }
        double v = json.doubleOf(key, 0.0);
        if (json.has(key) && !(v > 0 && Double.isFinite(v))) {
            throw new ConfigException("config.json " + key + " = " + v + " is out of range; allowed: a finite number "
                    + "> 0, or null for none");
        }
        return v;
    }

    /** Newer HF configs spell the alternation out; any other pattern is refused rather than silently changed. */
    private static void checkLayerTypes(JsonNode types, int layers) {
        if (types == null || types.isNull()) {
            return;
        }
        String allowed = "a list of " + layers + " entries, \"sliding_attention\" on even layers (0, 2, …) and "
                + "\"full_attention\" on odd ones";
        if (!types.isArray() || types.size() != layers) {
            throw new ConfigException("config.json layer_types = " + abbreviate(types) + " is not supported; "
                    + "allowed: " + allowed);
        }
        for (int i = 0; i < layers; i++) {
            String want = i % 2 == 0 ? "sliding_attention" : "full_attention";
            if (!types.get(i).isTextual() || !types.get(i).asText().equals(want)) {
                throw new ConfigException("config.json layer_types[" + i + "] = " + types.get(i) + " is not "
                        + "supported; allowed: " + allowed);
            }
        }
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }

    @Override
    public void write(ModelConfig c, ObjectNode o) {
        o.put("hidden_activation", ACTIVATION);
        o.put("hidden_act", ACTIVATION);
        o.put("attention_bias", c.qkvBias());
        double scalar = c.family().queryPreAttnScalar();
        if (scalar == Math.rint(scalar) && scalar <= Integer.MAX_VALUE) {
            o.put("query_pre_attn_scalar", (int) scalar);
        } else {
            o.put("query_pre_attn_scalar", scalar);
        }
        if (c.slidingWindow() > 0) {
            o.put("sliding_window", c.slidingWindow());
        } else {
            o.putNull("sliding_window");
        }
        putCap(o, "attn_logit_softcapping", c.family().attnLogitSoftcapping());
        putCap(o, "final_logit_softcapping", c.family().finalLogitSoftcapping());
        var types = o.putArray("layer_types");
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            types.add(i % 2 == 0 ? "sliding_attention" : "full_attention");
        }
    }

    private static void putCap(ObjectNode o, String key, double v) {
        if (v > 0) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }
}
