package dev.finetune4j.engine.model.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.model.ConfigException;
import dev.finetune4j.engine.model.ConfigJson;
import dev.finetune4j.engine.model.ModelConfig;

/**
 * Mixtral's config.json dialect (HF's {@code MixtralConfig}; docs/models.md §8): Mistral's attention keys
 * (sliding window off unless {@code sliding_window} is set), the MoE shape ({@code num_local_experts},
 * {@code num_experts_per_tok}) and the load-balancing loss keys ({@code output_router_logits},
 * {@code router_aux_loss_coef}), with HF's defaults; and its HF module names.
 */
final class MixtralKeys implements FamilyConfig {

    static final MixtralKeys INSTANCE = new MixtralKeys();

    /**
     * The most experts per layer a config.json may claim (real MoE models have 8 to 256): an untrusted
     * {@code num_local_experts} of billions would otherwise build billions of registry entries before any check.
     */
    static final int MAX_EXPERTS = 1024;

    /** HF's {@code MixtralForCausalLM} layout: Llama's attention, {@code block_sparse_moe} for the feed-forward. */
    static final NameTable NAMES = NameTable.builder("model.embed_tokens", "model.norm", "lm_head", "model.layers.")
            .norm(Part.INPUT_NORM, "input_layernorm")
            .linear(Part.Q, "self_attn.q_proj", "q_proj")
            .linear(Part.K, "self_attn.k_proj", "k_proj")
            .linear(Part.V, "self_attn.v_proj", "v_proj")
            .linear(Part.O, "self_attn.o_proj", "o_proj")
            .norm(Part.FFN_NORM, "post_attention_layernorm")
            .linear(Part.ROUTER, "block_sparse_moe.gate", "gate")
            .linear(Part.EXPERT_W1, "block_sparse_moe.experts.{e}.w1", "w1")
            .linear(Part.EXPERT_W2, "block_sparse_moe.experts.{e}.w2", "w2")
            .linear(Part.EXPERT_W3, "block_sparse_moe.experts.{e}.w3", "w3")
            .build();

    private MixtralKeys() {
    }

    @Override
    public void defaults(ModelConfig.Builder b) {
        b.intermediateSize = 14336;
        b.numKeyValueHeads = 8;
        b.maxPositionEmbeddings = 4096 * 32;
        b.rmsNormEps = 1e-5;
        b.ropeTheta = 1e6;
    }

    @Override
    public void read(ConfigJson json, ModelConfig.Builder b) {
        b.slidingWindow = json.present("sliding_window") ? json.intOf("sliding_window", 0) : 0;
        String act = json.node().path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new ConfigException("config.json hidden_act '" + act + "' is not supported; allowed: silu");
        }
        double jitter = json.doubleOf("router_jitter_noise", 0.0);
        if (jitter != 0.0) {
            throw new ConfigException("config.json router_jitter_noise = " + jitter + " is not supported; allowed: 0 "
                    + "(training with router jitter noise is not implemented)");
        }
        int experts = json.intOf("num_local_experts", 8);
        if (experts > MAX_EXPERTS) {
            throw new ConfigException("config.json num_local_experts = " + experts + " is out of range; allowed: 1.."
                    + MAX_EXPERTS);
        }
        b.family = b.family.withMoe(new MoeShape(experts,
                json.intOf("num_experts_per_tok", 2), json.doubleOf("router_aux_loss_coef", 0.001),
                json.boolOf("output_router_logits", false)));
    }

    @Override
    public void write(ModelConfig c, ObjectNode o) {
        o.put("hidden_act", "silu");
        if (c.slidingWindow() > 0) {
            o.put("sliding_window", c.slidingWindow());
        } else {
            o.putNull("sliding_window");
        }
        MoeShape s = c.family().moe();
        o.put("num_local_experts", s.numLocalExperts());
        o.put("num_experts_per_tok", s.numExpertsPerTok());
        o.put("output_router_logits", s.outputRouterLogits());
        o.put("router_aux_loss_coef", s.routerAuxLossCoef());
        o.put("router_jitter_noise", 0.0);
    }
}
