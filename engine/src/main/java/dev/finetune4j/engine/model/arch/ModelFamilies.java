package dev.finetune4j.engine.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.model.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The families this engine runs, one {@link ArchSpec} each; adding a family = one entry in {@link #ALL} (plus its
 * name table, its {@link FamilyConfig} and only the kernels it lacks; docs/models.md §6).
 */
public final class ModelFamilies {

    private static final List<String> LLAMA_LORA_DEFAULT = List.of("q_proj", "v_proj");

    public static final ArchSpec LLAMA = new ArchSpec("llama", "LlamaForCausalLM",
            "transformers.models.llama.modeling_llama", NormStyle.RMS, Activation.SILU, false, false, false, false,
            SlidingPattern.NONE, false, NameTable.LLAMA, LlamaKeys.LLAMA, LLAMA_LORA_DEFAULT);

    public static final ArchSpec MISTRAL = new ArchSpec("mistral", "MistralForCausalLM",
            "transformers.models.mistral.modeling_mistral", NormStyle.RMS, Activation.SILU, false, false, false, false,
            SlidingPattern.ALL, false, NameTable.LLAMA, LlamaKeys.MISTRAL, LLAMA_LORA_DEFAULT);

    public static final ArchSpec QWEN2 = new ArchSpec("qwen2", "Qwen2ForCausalLM",
            "transformers.models.qwen2.modeling_qwen2", NormStyle.RMS, Activation.SILU, false, false, false, false,
            SlidingPattern.FROM_LAYER, false, NameTable.LLAMA, LlamaKeys.QWEN2, LLAMA_LORA_DEFAULT);

    // ---- families of issue 12 are added below, one line each ----

    /** Mixtral: Mistral's attention, sparse MoE feed-forward ({@code block_sparse_moe}); docs/models.md. */
    public static final ArchSpec MIXTRAL = new ArchSpec("mixtral", "MixtralForCausalLM",
            "transformers.models.mixtral.modeling_mixtral", NormStyle.RMS, Activation.SILU, false, false, false, false,
            SlidingPattern.ALL, true, MixtralKeys.NAMES, MixtralKeys.INSTANCE, LLAMA_LORA_DEFAULT);

    /** Gemma 2: (1 + w) sandwich norms, GELU-tanh, soft-capping, even-layer window; docs/models.md §9. */
    public static final ArchSpec GEMMA2 = new ArchSpec("gemma2", "Gemma2ForCausalLM",
            "transformers.models.gemma2.modeling_gemma2", NormStyle.RMS_ONE_PLUS, Activation.GELU_TANH, true, false,
            false, true, SlidingPattern.EVEN_LAYERS, false, Gemma2Family.NAMES, Gemma2Family.KEYS, LLAMA_LORA_DEFAULT);

    /** Phi-3: fused qkv_proj and gate_up_proj, longrope; docs/models.md §10. */
    public static final ArchSpec PHI3 = new ArchSpec("phi3", "Phi3ForCausalLM",
            "transformers.models.phi3.modeling_phi3", NormStyle.RMS, Activation.SILU, false, true, true, false,
            SlidingPattern.ALL, false, Phi3Family.NAMES, Phi3Family.KEYS, Phi3Family.LORA_DEFAULT);

    /** Every supported family, in the order refusals list them. */
    public static final List<ArchSpec> ALL = List.of(LLAMA, MISTRAL, QWEN2, MIXTRAL, GEMMA2, PHI3);

    private ModelFamilies() {
    }

    /** The {@code model_type} values of {@link #ALL}. */
    public static List<String> supportedTypes() {
        List<String> out = new ArrayList<>();
        ALL.forEach(s -> out.add(s.modelType()));
        return List.copyOf(out);
    }

    /** The family of {@code modelType}. */
    public static ArchSpec byType(String modelType) {
        for (ArchSpec s : ALL) {
            if (s.modelType().equals(modelType)) {
                return s;
            }
        }
        throw new ConfigException("config.json model_type '" + modelType + "' is not supported; allowed: "
                + supportedTypes());
    }

    /**
     * The family of a config.json: by {@code model_type} ({@code llama} when absent, as before), cross-checked with
     * {@code architectures}: a causal-LM class of another supported family is refused.
     *
     * @throws ConfigException naming the value and the supported types
     */
    public static ArchSpec of(ObjectNode configJson) {
        String type = configJson.path("model_type").asText("llama").toLowerCase(Locale.ROOT);
        ArchSpec spec = byType(type);
        JsonNode arch = configJson.get("architectures");
        if (arch != null && arch.isArray()) {
            for (JsonNode a : arch) {
                for (ArchSpec other : ALL) {
                    if (other != spec && a.isTextual() && a.asText().equals(other.hfArchitecture())
                            && !other.hfArchitecture().equals(spec.hfArchitecture())) {
                        throw new ConfigException("config.json architectures names " + a.asText()
                                + " but model_type is '" + type + "' (whose class is " + spec.hfArchitecture()
                                + "); allowed: a matching pair, one of " + pairs());
                    }
                }
            }
        }
        return spec;
    }

    private static String pairs() {
        List<String> out = new ArrayList<>();
        ALL.forEach(s -> out.add(s.modelType() + "/" + s.hfArchitecture()));
        return String.join(", ", out);
    }
}
