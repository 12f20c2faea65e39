package dev.finetune4j.engine.model.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.model.ConfigJson;
import dev.finetune4j.engine.model.ModelConfig;

/**
 * A family's config.json dialect: HF's defaults for the common keys (its {@code PretrainedConfig} subclass), the
 * family's own keys (biases, sliding window, activation, soft-capping, MoE shape, …) and how to write them back.
 * {@code ModelConfig.fromJson} calls {@link #defaults}, reads the common keys over them, then calls {@link #read}.
 */
public interface FamilyConfig {

    /** Sets HF's defaults of this family on {@code b} (vocab size, widths, kv heads, max positions, EOS, tying). */
    void defaults(ModelConfig.Builder b);

    /**
     * Reads this family's own keys into {@code b} (after the common keys); refusals name the key, the value and
     * what is allowed ({@code ConfigException}).
     */
    void read(ConfigJson json, ModelConfig.Builder b);

    /**
     * The rope scaling type a {@code rope_scaling.rope_type}/{@code type} spelling means in this family's
     * config.json (Phi-3: its older {@code su} and {@code yarn} mean {@code longrope}); by default the spelling itself.
     */
    default String ropeType(String spelled) {
        return spelled;
    }

    /** Writes this family's own keys of {@code c} (what {@link #read} reads) into a config.json object. */
    void write(ModelConfig c, ObjectNode out);
}
