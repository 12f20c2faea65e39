package dev.finetune4j.checkpoint.composer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The class path Composer's HuggingFaceModel records per family, and the peft_config entry in both shapes. */
class ComposerIntegrationsTest {
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
    void importablePathPerFamily() {
        assertEquals("transformers.models.llama.modeling_llama.LlamaForCausalLM",
                ComposerIntegrations.modelClass(config("llama", "LlamaForCausalLM")));
        assertEquals("transformers.models.llama.modeling_llama.LlamaForCausalLM",
                ComposerIntegrations.modelClass(config("llama", null)), "CodeLlama and folders without architectures");
        assertEquals("transformers.models.mistral.modeling_mistral.MistralForCausalLM",
                ComposerIntegrations.modelClass(config("mistral", "MistralForCausalLM")));
        assertEquals("transformers.models.qwen2.modeling_qwen2.Qwen2ForCausalLM",
                ComposerIntegrations.modelClass(config("qwen2", null)));
        assertEquals("config.json: model_type is missing; cannot name the model class",
                assertThrows(CheckpointFormatException.class, () -> ComposerIntegrations.modelClass(
                        config(null, "LlamaForCausalLM"))).getMessage());
        assertEquals("config.json: model_type \"../x\" is not a transformers model type; cannot name the model class",
                assertThrows(CheckpointFormatException.class, () -> ComposerIntegrations.modelClass(
                        config("../x", null))).getMessage());
        assertEquals("config.json: model_type 'gpt2' has no known causal-LM class; supported: llama, mistral, qwen2",
                assertThrows(CheckpointFormatException.class, () -> ComposerIntegrations.modelClass(
                        config("gpt2", "GPT2LMHeadModel"))).getMessage());
    }

    @Test
    void peftConfigInComposersShapeAndTheEarlierBareDict() {
        ObjectNode adapter = M.createObjectNode().put("r", 8).put("peft_type", "LORA");
        Map<String, Object> entry = ComposerIntegrations.peftConfigEntry(adapter);
        assertEquals(".json", entry.get("file_extension"));
        assertEquals(Map.of("r", 8L, "peft_type", "LORA"), entry.get("content"));
        assertEquals(entry.get("content"), ComposerIntegrations.peftConfigContent(entry));
        Object bare = PyJson.toPython(adapter);
        assertSame(bare, ComposerIntegrations.peftConfigContent(bare));
    }
}
