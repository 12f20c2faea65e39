package dev.finetune4j.engine.model.arch;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A family's HF module names by structural position (like torchtune's {@code _FROM_HF}): names are built from this
 * table, never parsed back. Layer modules are relative to {@code layerPrefix + i + "."}; an expert module's path holds
 * {@code {e}} where the expert index goes. Each adaptable module also carries its PEFT {@code target_modules} short
 * name ({@code q_proj}, {@code qkv_proj}, {@code w1}, {@code gate}).
 */
public final class NameTable {

    /** The shared table of Llama, Mistral and Qwen2 (HF's {@code LlamaModel} layout). */
    public static final NameTable LLAMA = builder("model.embed_tokens", "model.norm", "lm_head", "model.layers.")
            .norm(Part.INPUT_NORM, "input_layernorm")
            .linear(Part.Q, "self_attn.q_proj", "q_proj")
            .linear(Part.K, "self_attn.k_proj", "k_proj")
            .linear(Part.V, "self_attn.v_proj", "v_proj")
            .linear(Part.O, "self_attn.o_proj", "o_proj")
            .norm(Part.FFN_NORM, "post_attention_layernorm")
            .linear(Part.GATE, "mlp.gate_proj", "gate_proj")
            .linear(Part.UP, "mlp.up_proj", "up_proj")
            .linear(Part.DOWN, "mlp.down_proj", "down_proj")
            .build();

    private static final String EXPERT = "{e}";

    private final String embed;
    private final String finalNorm;
    private final String lmHead;
    private final String layerPrefix;
    private final Map<Part, String> modules;
    private final Map<Part, String> loraTargets;

    private NameTable(String embed, String finalNorm, String lmHead, String layerPrefix, Map<Part, String> modules,
                      Map<Part, String> loraTargets) {
        this.embed = embed;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.layerPrefix = layerPrefix;
        this.modules = Collections.unmodifiableMap(new EnumMap<>(modules));
        this.loraTargets = Collections.unmodifiableMap(new EnumMap<>(loraTargets));
    }

    /**
     * A table whose top-level modules are {@code embed}, {@code finalNorm} and {@code lmHead} and whose layer
     * {@code i} modules live under {@code layerPrefix + i + "."}.
     */
    public static Builder builder(String embed, String finalNorm, String lmHead, String layerPrefix) {
        return new Builder(embed, finalNorm, lmHead, layerPrefix);
    }

    /** Module name of a top-level part ({@link Part#EMBED}, {@link Part#FINAL_NORM}, {@link Part#LM_HEAD}). */
    public String module(Part part) {
        return switch (part) {
            case EMBED -> embed;
            case FINAL_NORM -> finalNorm;
            case LM_HEAD -> lmHead;
            default -> throw new IllegalArgumentException(part + " is a layer module; use module(part, layer)");
        };
    }

    /** Module name of {@code part} in layer {@code layer}, e.g. {@code model.layers.3.self_attn.q_proj}. */
    public String module(Part part, int layer) {
        return module(part, layer, -1);
    }

    /** Module name of expert {@code expert}'s {@code part} in layer {@code layer} ({@code -1}: not an expert part). */
    public String module(Part part, int layer, int expert) {
        String rel = modules.get(part);
        if (rel == null) {
            throw new IllegalArgumentException("this family's name table has no " + part + " module");
        }
        if (rel.contains(EXPERT) != (expert >= 0)) {
            throw new IllegalArgumentException(part + (expert >= 0 ? " is not" : " is") + " an expert module");
        }
        return layerPrefix + layer + "." + (expert >= 0 ? rel.replace(EXPERT, Integer.toString(expert)) : rel);
    }

    /** Whether the table names {@code part} (a family without fused projections has no {@link Part#QKV}). */
    public boolean has(Part part) {
        return modules.containsKey(part) || part == Part.EMBED || part == Part.FINAL_NORM || part == Part.LM_HEAD;
    }

    /** The PEFT {@code target_modules} short name of {@code part}, or null when it is not adaptable. */
    public String loraTarget(Part part) {
        return loraTargets.get(part);
    }

    /** The layer-module prefix, e.g. {@code model.layers.} (for recognising layer tensors in foreign weights). */
    public String layerPrefix() {
        return layerPrefix;
    }

    /** Collects the module names of one family. */
    public static final class Builder {
        private final String embed;
        private final String finalNorm;
        private final String lmHead;
        private final String layerPrefix;
        private final Map<Part, String> modules = new EnumMap<>(Part.class);
        private final Map<Part, String> loraTargets = new EnumMap<>(Part.class);

        private Builder(String embed, String finalNorm, String lmHead, String layerPrefix) {
            this.embed = embed;
            this.finalNorm = finalNorm;
            this.lmHead = lmHead;
            this.layerPrefix = layerPrefix;
        }

        /** A norm (not adaptable) at {@code path} relative to its layer. */
        public Builder norm(Part part, String path) {
            return put(part, path, null);
        }

        /** A Linear at {@code path} relative to its layer ({@code {e}} for the expert index) with its PEFT name. */
        public Builder linear(Part part, String path, String loraTarget) {
            return put(part, path, loraTarget);
        }

        private Builder put(Part part, String path, String loraTarget) {
            if (modules.put(part, path) != null) {
                throw new IllegalArgumentException("name table lists " + part + " twice");
            }
            if (loraTarget != null) {
                loraTargets.put(part, loraTarget);
            }
            return this;
        }

        public NameTable build() {
            return new NameTable(embed, finalNorm, lmHead, layerPrefix, modules, loraTargets);
        }
    }
}
