package dev.finetune4j.engine.lora;

import dev.finetune4j.checkpoint.peft.PeftConfig;
import dev.finetune4j.engine.model.ConfigException;
import dev.finetune4j.engine.model.arch.ArchSpec;
import dev.finetune4j.engine.model.arch.ModelFamilies;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * LoRA settings (PEFT semantics, docs/training.md §8).
 *
 * @param targetModules PEFT module names ({@code q_proj ... down_proj}, or a family's own such as {@code w1},
 *                      {@code gate}, {@code qkv_proj}), normalised from the accepted spellings {@code q,k,v,o,gate,
 *                      up,down}, {@code *_proj} or {@code all-linear}; {@link #forFamily} resolves them for a model
 * @param init          {@code "default"} (A ~ U(±1/√in), B = 0) or {@code "gaussian"} (A ~ N(0, 1/r²), B = 0)
 */
public record LoraOptions(int r, double alpha, double dropout, List<String> targetModules, boolean rslora,
                          String init) {

    /** All Linear projections of a decoder layer, in HF order. */
    public static final List<String> ALL_LINEAR = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj");

    /** PEFT's {@code target_modules} default for llama/mistral/qwen2. */
    static final List<String> PEFT_LLAMA_DEFAULT = List.of("q_proj", "v_proj");

    public LoraOptions {
        if (r <= 0) {
            throw new ConfigException("lora.r must be a positive integer, got " + r);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new ConfigException("lora.dropout must be in [0, 1), got " + dropout);
        }
        targetModules = normalise(targetModules);
        if (init == null) {
            init = "default";
        }
        if (!init.equals("default") && !init.equals("gaussian")) {
            throw new ConfigException("lora init '" + init + "' is not supported; allowed: default, gaussian");
        }
    }

    /** PEFT's default for llama/mistral/qwen2 when no target_modules are given: q_proj, v_proj. */
    public static LoraOptions of(int r, double alpha, double dropout, List<String> targets) {
        return new LoraOptions(r, alpha, dropout, targets == null ? PEFT_LLAMA_DEFAULT : targets, false,
                "default");
    }

    /**
     * The settings of a PEFT adapter_config.json. Supported: {@code bias: none}, {@code init_lora_weights} true or
     * "gaussian", target modules among the decoder projections (null → PEFT's llama default q_proj, v_proj).
     *
     * @throws ConfigException naming the unsupported field
     */
    public static LoraOptions fromPeft(PeftConfig c) {
        if (c.bias() != null && !c.bias().equals("none")) {
            throw new ConfigException("PEFT adapter bias '" + c.bias() + "' is not supported; allowed: none");
        }
        if (c.fanInFanOut()) {
            throw new ConfigException("PEFT adapter fan_in_fan_out=true is not supported (the adapted weights are [out, in] Linear weights)");
        }
        if (c.modulesToSave() != null && !c.modulesToSave().isEmpty()) {
            throw new ConfigException("PEFT adapter modules_to_save " + c.modulesToSave() + " is not supported");
        }
        Object init = c.initLoraWeights();
        String initName = "gaussian".equals(init) ? "gaussian" : "default";
        return new LoraOptions(c.r(), c.loraAlpha(), c.loraDropout(), c.targetModules(), c.useRslora(), initName);
    }

    /** These settings as a PEFT LoraConfig for {@code adapter_config.json}. */
    public PeftConfig toPeftConfig(String baseModelNameOrPath) {
        return new PeftConfig(r, alpha, dropout, targetModules, baseModelNameOrPath, rslora, "none", "CAUSAL_LM",
                "LORA", false, init.equals("gaussian") ? "gaussian" : Boolean.TRUE, null, null);
    }

    /** {@code alpha / r}, or {@code alpha / sqrt(r)} with rsLoRA. */
    public double scaling() {
        return rslora ? alpha / Math.sqrt(r) : alpha / r;
    }

    public boolean targets(String projection) {
        return targetModules.contains(projection);
    }

    /**
     * These settings with {@code target_modules} resolved for a model family: names the family's layers have
     * ({@link ArchSpec#loraTargets()}) are kept, Llama's short spellings ({@code q}, {@code gate}, …) become the
     * family's {@code *_proj} names, and {@code all-linear} (stored as Llama's full list) becomes every adaptable
     * Linear of the family, and PEFT's Llama default ({@code q_proj, v_proj}) becomes the family's PEFT default
     * ({@link ArchSpec#defaultLoraTargets()}) when the family lacks those. Ordered as the family's layers hold them.
     *
     * @throws ConfigException naming an entry the family does not have and what is allowed
     */
    public LoraOptions forFamily(ArchSpec spec) {
        List<String> family = spec.loraTargets();
        if (targetModules.equals(PEFT_LLAMA_DEFAULT) && !family.containsAll(PEFT_LLAMA_DEFAULT)) {
            // PEFT's default for Llama does not exist in this family: PEFT's default for the family instead
            return new LoraOptions(r, alpha, dropout, spec.defaultLoraTargets(), rslora, init).forFamily(spec);
        }
        Set<String> wanted = new LinkedHashSet<>();
        if (targetModules.equals(ALL_LINEAR)) {
            wanted.addAll(family);
        }
        for (String n : targetModules) {
            if (family.contains(n)) {
                wanted.add(n);
            } else if (family.contains(n + "_proj")) {
                wanted.add(n + "_proj");
            } else if (!targetModules.equals(ALL_LINEAR)) {
                throw new ConfigException("lora.target_modules entry '" + n + "' is not a module of model_type '"
                        + spec.modelType() + "'; allowed: " + String.join(", ", family) + " or all-linear");
            }
        }
        List<String> ordered = new ArrayList<>();
        for (String t : family) {
            if (wanted.contains(t)) {
                ordered.add(t);
            }
        }
        return new LoraOptions(r, alpha, dropout, ordered, rslora, init);
    }

    /**
     * Normalises spellings: {@code all-linear} becomes Llama's full list; a name that some family's layers have
     * ({@code w1}, {@code gate}, {@code qkv_proj}) is kept as is (resolved by {@link #forFamily}); otherwise Llama's
     * short spellings ({@code q} → {@code q_proj}).
     */
    static List<String> normalise(List<String> names) {
        if (names == null || names.isEmpty()) {
            return PEFT_LLAMA_DEFAULT;
        }
        Set<String> known = new LinkedHashSet<>(ALL_LINEAR);
        ModelFamilies.ALL.forEach(f -> known.addAll(f.loraTargets()));
        Set<String> out = new LinkedHashSet<>();
        for (String raw : names) {
            String n = raw.trim().toLowerCase(Locale.ROOT);
            if (n.equals("all-linear") || n.equals("all_linear")) {
                out.addAll(ALL_LINEAR);
                continue;
            }
            String proj = known.contains(n) ? n : n + "_proj";
            if (!known.contains(proj)) {
                throw new ConfigException("lora.target_modules entry '" + raw + "' is not supported; allowed: q, k, v, "
                        + "o, gate, up, down (or q_proj ... down_proj) or all-linear, or a module of a model family: "
                        + String.join(", ", known));
            }
            out.add(proj);
        }
        List<String> ordered = new ArrayList<>();
        for (String p : known) {
            if (out.contains(p)) {
                ordered.add(p);
            }
        }
        return List.copyOf(ordered);
    }
}
