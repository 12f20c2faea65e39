package dev.finetune4j.engine.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.model.ConfigException;
import dev.finetune4j.engine.model.ConfigJson;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.RopeScaling;
import java.util.List;

/**
 * Phi-3 ({@code Phi3ForCausalLM}; docs/models.md §10): HF's module names, with the fused {@code qkv_proj} (rows
 * {@code [q | k | v]}) and {@code gate_up_proj} (rows {@code [gate | up]}), and the config.json dialect of HF's
 * {@code Phi3Config}: its defaults, the top-level {@code original_max_position_embeddings} (longrope's switch point,
 * default 4096), longrope also spelled {@code su} / {@code yarn}, {@code partial_rotary_factor}, a sliding window on
 * every layer and the residual dropout {@code resid_pdrop}. Its Linears have no bias: {@code attention_bias} or
 * {@code mlp_bias} set to true is refused; {@code embd_pdrop} is read and, as in HF's Phi-3, not applied.
 */
final class Phi3Family implements FamilyConfig {

    static final NameTable NAMES = NameTable.builder("model.embed_tokens", "model.norm", "lm_head", "model.layers.")
            .norm(Part.INPUT_NORM, "input_layernorm")
            .linear(Part.QKV, "self_attn.qkv_proj", "qkv_proj")
            .linear(Part.O, "self_attn.o_proj", "o_proj")
            .norm(Part.FFN_NORM, "post_attention_layernorm")
            .linear(Part.GATE_UP, "mlp.gate_up_proj", "gate_up_proj")
            .linear(Part.DOWN, "mlp.down_proj", "down_proj")
            .build();

    /** PEFT's {@code target_modules} default for {@code phi3}. */
    static final List<String> LORA_DEFAULT = List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj");

    static final Phi3Family KEYS = new Phi3Family();

    /** HF's {@code Phi3Config.original_max_position_embeddings} default. */
    static final int DEFAULT_ORIGINAL_MAX = 4096;

    private Phi3Family() {
    }

    @Override
    public void defaults(ModelConfig.Builder b) {
        b.vocabSize = 32064;
        b.hiddenSize = 3072;
        b.intermediateSize = 8192;
        b.maxPositionEmbeddings = 4096;
        b.rmsNormEps = 1e-5;
        b.defaultEosTokenId = 32000;
    }

    @Override
    public String ropeType(String spelled) {
        return spelled.equals("su") || spelled.equals("yarn") ? RopeScaling.LONGROPE : spelled;
    }

    @Override
    public void read(ConfigJson json, ModelConfig.Builder b) {
        for (String key : List.of("attention_bias", "mlp_bias")) {
            JsonNode n = json.get(key);
            if (n != null && !n.isNull() && !(n.isBoolean() && !n.asBoolean())) {
                throw new ConfigException("config.json " + key + " = " + n + " is not supported for model_type phi3 "
                        + "(its projections have no bias); allowed: false or absent");
            }
        }
        String act = json.textOf("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new ConfigException("config.json hidden_act '" + act + "' is not supported; allowed: silu");
        }
        if (b.ropeScaling != null && !b.ropeScaling.type().equals(RopeScaling.LONGROPE)) {
            throw new ConfigException("config.json rope_scaling.rope_type '" + b.ropeScaling.type() + "' is not "
                    + "supported for model_type phi3 (as in HF's Phi3Config); allowed: longrope (or its older "
                    + "spellings su, yarn), default");
        }
        if (b.ropeScaling != null && b.ropeScaling.type().equals(RopeScaling.LONGROPE)
                && !json.has("original_max_position_embeddings")) {
            // Phi3Config always has the attribute (default 4096), which HF prefers over the rope_scaling object's own
            String key = json.has("rope_scaling") ? "rope_scaling" : "rope_parameters";
            b.ropeScaling = RopeScaling.longrope((ObjectNode) json.get(key), key, b.maxPositionEmbeddings,
                    DEFAULT_ORIGINAL_MAX);
        }
        if (!json.present("pad_token_id") && 32000 < b.vocabSize) {
            b.padTokenId = 32000;   // HF's Phi3Config default (the embedding's padding_idx)
        }
        b.slidingWindow = json.intOf("sliding_window", 0);
        double embdPdrop = json.doubleOf("embd_pdrop", 0.0);
        if (!(embdPdrop >= 0 && embdPdrop < 1)) {
            throw new ConfigException("config.json embd_pdrop = " + embdPdrop + " is out of range; allowed: "
                    + "0 <= embd_pdrop < 1");
        }
        b.family = b.family.withRotaryAndResidual(json.doubleOf("partial_rotary_factor", 1.0),
                json.doubleOf("resid_pdrop", 0.0));
    }

    @Override
    public void write(ModelConfig c, ObjectNode o) {
        o.put("hidden_act", "silu");
        o.put("original_max_position_embeddings", c.ropeScaling() != null
                ? c.ropeScaling().originalMaxPositionEmbeddings() : c.maxPositionEmbeddings());
        if (c.slidingWindow() > 0) {
            o.put("sliding_window", c.slidingWindow());
        } else {
            o.putNull("sliding_window");
        }
        if (c.family().partialRotaryFactor() != 1.0) {
            o.put("partial_rotary_factor", c.family().partialRotaryFactor());
        }
        o.put("resid_pdrop", c.family().residualDropout());
    }
}
