package dev.finetune4j.engine.model.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.ConfigException;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.TinyModels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Choosing a family from config.json, its HF class path, and the spec's own consistency checks. */
class ModelFamiliesTest {
    private static final ObjectMapper M = new ObjectMapper();

    private static ObjectNode config(String modelType, String architecture) {
        ObjectNode c = M.createObjectNode();
        if (modelType != null) {
            c.put("model_type", modelType);
        }
        if (architecture != null) {
            c.putArray("architectures").add(architecture);
        }
        return c;
    }

    @Test
    void familyFromModelTypeWithItsImportableClass() {
        assertEquals("transformers.models.llama.modeling_llama.LlamaForCausalLM",
                ModelFamilies.of(config("llama", "LlamaForCausalLM")).hfClass());
        assertEquals("transformers.models.llama.modeling_llama.LlamaForCausalLM",
                ModelFamilies.of(config("llama", null)).hfClass(), "CodeLlama and folders without architectures");
        assertEquals("transformers.models.mistral.modeling_mistral.MistralForCausalLM",
                ModelFamilies.of(config("mistral", "MistralForCausalLM")).hfClass());
        assertEquals("transformers.models.qwen2.modeling_qwen2.Qwen2ForCausalLM",
                ModelFamilies.of(config("qwen2", null)).hfClass());
        assertSame(ModelFamilies.LLAMA, ModelFamilies.of(config(null, null)), "model_type defaults to llama");
        assertSame(ModelFamilies.QWEN2, ModelFamilies.of(config("Qwen2", "SomethingElse")));
        for (ArchSpec s : ModelFamilies.ALL) {
            ModelConfig c = ModelConfig.fromJson(TinyModels.json(s.modelType()));
            assertSame(s, c.spec());
            assertEquals(s.hfArchitecture(), c.toJson().get("architectures").get(0).asText());
            assertEquals(c, ModelConfig.fromJson(c.toJson()));
        }
    }

    @Test
    void unknownOrMismatchedFamiliesAreRefusedNamingWhatIsAllowed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelFamilies.of(config("gpt2", "GPT2LMHeadModel")));
        assertEquals("config.json model_type 'gpt2' is not supported; allowed: " + ModelConfig.supportedTypes(),
                e.getMessage());
        assertEquals(List.of("llama", "mistral", "qwen2"), ModelConfig.supportedTypes().subList(0, 3));
        assertTrue(ModelConfig.supportedTypes().containsAll(List.of("mixtral", "gemma2", "phi3")),
                ModelConfig.supportedTypes().toString());
        ConfigException m = assertThrows(ConfigException.class,
                () -> ModelFamilies.of(config("llama", "MistralForCausalLM")));
        assertTrue(m.getMessage().contains("architectures names MistralForCausalLM but model_type is 'llama'")
                && m.getMessage().contains("qwen2/Qwen2ForCausalLM"), m.getMessage());
        ObjectNode number = config(null, null);
        number.put("model_type", 7);
        assertThrows(ConfigException.class, () -> ModelFamilies.of(number));
    }

    @Test
    void specsCheckTheirNameTableAndLoraDefaults() {
        IllegalArgumentException noQkv = assertThrows(IllegalArgumentException.class, () -> new ArchSpec("x", "X",
                "m", NormStyle.RMS, Activation.SILU, false, true, false, false, SlidingPattern.NONE, false,
                NameTable.LLAMA, LlamaKeys.LLAMA, List.of("q_proj")));
        assertTrue(noQkv.getMessage().contains("QKV"), noQkv.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ArchSpec("x", "X", "m", NormStyle.RMS,
                Activation.SILU, false, false, false, false, SlidingPattern.NONE, false, NameTable.LLAMA,
                LlamaKeys.LLAMA, List.of("w1")));
        assertThrows(IllegalArgumentException.class, () -> NameTable.builder("e", "n", "h", "l.")
                .norm(Part.INPUT_NORM, "a").norm(Part.INPUT_NORM, "b"));
        assertEquals("model.layers.3.self_attn.q_proj", NameTable.LLAMA.module(Part.Q, 3));
        assertThrows(IllegalArgumentException.class, () -> NameTable.LLAMA.module(Part.Q, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> NameTable.LLAMA.module(Part.ROUTER, 0));
    }

    @Test
    void slidingPatternsAndLoraTargetsResolvePerFamily() {
        ModelConfig mistral = ModelConfig.fromJson(TinyModels.json("mistral"));
        assertEquals(4096, mistral.slidingWindowFor(0));
        assertEquals(4096, mistral.slidingWindowFor(1));
        assertEquals(0, TinyModels.llama().slidingWindowFor(0));
        LoraOptions o = LoraOptions.of(4, 8, 0, List.of("v", "q_proj", "down")).forFamily(ModelFamilies.QWEN2);
        assertEquals(List.of("q_proj", "v_proj", "down_proj"), o.targetModules());
        assertEquals(LoraOptions.ALL_LINEAR, LoraOptions.of(4, 8, 0, List.of("all-linear"))
                .forFamily(ModelFamilies.MISTRAL).targetModules());
    }
}
