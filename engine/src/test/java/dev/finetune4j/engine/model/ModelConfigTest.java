package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelConfigTest {

    private static ObjectNode parse(String json) throws Exception {
        return (ObjectNode) new ObjectMapper().readTree(json);
    }

    @Test
    void llama31WithRopeScalingV4Spelling() throws Exception {
        ModelConfig c = ModelConfig.fromJson(parse("{\"model_type\":\"llama\",\"hidden_size\":4096,"
                + "\"num_attention_heads\":32,\"num_key_value_heads\":8,\"rms_norm_eps\":1e-5,\"rope_theta\":500000.0,"
                + "\"rope_scaling\":{\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                + "\"original_max_position_embeddings\":8192,\"rope_type\":\"llama3\"},\"eos_token_id\":[128001,128008,"
                + "128009],\"vocab_size\":128256,\"tie_word_embeddings\":false}"));
        assertEquals(128, c.headDim());
        assertEquals(4, c.kvGroups());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(RopeScaling.LLAMA3, c.ropeScaling().type());
        assertEquals(8192, c.ropeScaling().originalMaxPositionEmbeddings());
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        assertEquals(1e-5, c.rmsNormEps());
    }

    @Test
    void v5RopeParametersAndOldTypeKey() throws Exception {
        ModelConfig v5 = ModelConfig.fromJson(parse("{\"model_type\":\"llama\",\"rope_parameters\":"
                + "{\"rope_type\":\"linear\",\"factor\":2.0,\"rope_theta\":1000000.0}}"));
        assertEquals(1_000_000.0, v5.ropeTheta());
        assertEquals(RopeScaling.LINEAR, v5.ropeScaling().type());
        ModelConfig old = ModelConfig.fromJson(parse("{\"rope_scaling\":{\"type\":\"dynamic\",\"factor\":2.0}}"));
        assertEquals(RopeScaling.DYNAMIC, old.ropeScaling().type());
        ModelConfig plain = ModelConfig.fromJson(parse("{\"rope_parameters\":{\"rope_type\":\"default\","
                + "\"rope_theta\":10000.0}}"));
        assertNull(plain.ropeScaling());
        assertEquals(1e-6, plain.rmsNormEps());
    }

    @Test
    void qwen2BiasesAndMistralWindow() throws Exception {
        ModelConfig q = ModelConfig.fromJson(parse("{\"model_type\":\"qwen2\",\"tie_word_embeddings\":true}"));
        assertTrue(q.qkvBias());
        assertFalse(q.oBias());
        assertTrue(q.tieWordEmbeddings());
        assertEquals(0, q.slidingWindowFor(30));
        ModelConfig m = ModelConfig.fromJson(parse("{\"model_type\":\"mistral\"}"));
        assertEquals(4096, m.slidingWindow());
        assertEquals(8, m.numKeyValueHeads());
        ModelConfig m3 = ModelConfig.fromJson(parse("{\"model_type\":\"mistral\",\"sliding_window\":null}"));
        assertEquals(0, m3.slidingWindow());
        ModelConfig qs = ModelConfig.fromJson(parse("{\"model_type\":\"qwen2\",\"use_sliding_window\":true,"
                + "\"sliding_window\":64,\"max_window_layers\":2,\"num_hidden_layers\":4}"));
        assertEquals(0, qs.slidingWindowFor(1));
        assertEquals(64, qs.slidingWindowFor(2));
    }

    @Test
    void errorsNameTheKey() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelConfig.fromJson(parse("{\"model_type\":\"gpt2\"}")));
        assertTrue(e.getMessage().contains("model_type 'gpt2'") && e.getMessage().contains("llama"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(parse("{\"hidden_size\":\"big\"}")));
        assertTrue(e.getMessage().contains("hidden_size"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(parse("{\"rope_scaling\":{\"rope_type\":"
                + "\"yarn\",\"factor\":4.0}}")));
        assertTrue(e.getMessage().contains("yarn") && e.getMessage().contains("llama3"), e.getMessage());
    }

    @Test
    void toJsonRoundTrips() {
        ModelConfig c = TinyModels.llama();
        assertEquals(c, ModelConfig.fromJson(c.toJson()));
    }
}
