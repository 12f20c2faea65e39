package dev.finetune4j.engine.model.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.ConfigException;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.StateDictException;
import dev.finetune4j.engine.model.TinyModels;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parameter registry of Llama, Mistral and Qwen2: names, order, roles, shapes, LoRA targets, storage, counts. */
class ParameterRegistryTest {

    private static final List<String> LAYER_MODULES = List.of("input_layernorm", "self_attn.q_proj",
            "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "post_attention_layernorm", "mlp.gate_proj",
            "mlp.up_proj", "mlp.down_proj");

    private static ModelConfig config(String type, String key, boolean value) {
        ObjectNode j = TinyModels.json(type);
        if (key != null) {
            j.put(key, value);
        }
        return ModelConfig.fromJson(j);
    }

    private static List<String> names(List<ParameterEntry> entries) {
        return entries.stream().map(ParameterEntry::hfName).toList();
    }

    @Test
    void entriesInHfOrderWithRolesShapesAndLoraTargetsPerFamily() {
        for (String type : List.of("llama", "mistral", "qwen2")) {
            ParameterRegistry r = ParameterRegistry.of(config(type, null, false));
            List<String> want = new ArrayList<>(List.of("model.embed_tokens.weight"));
            for (int i = 0; i < 2; i++) {
                for (String m : LAYER_MODULES) {
                    want.add("model.layers." + i + "." + m + ".weight");
                    if (type.equals("qwen2") && m.matches("self_attn\\.[qkv]_proj")) {
                        want.add("model.layers." + i + "." + m + ".bias");
                    }
                }
            }
            want.addAll(List.of("model.norm.weight", "lm_head.weight"));
            assertEquals(want, names(r.entries()), type);
            // hidden 32, 4 heads of 8, 2 kv heads, intermediate 64, vocab 101
            Map<String, long[]> shapes = Map.of("model.embed_tokens.weight", new long[] {101, 32},
                    "model.layers.1.input_layernorm.weight", new long[] {32},
                    "model.layers.1.self_attn.q_proj.weight", new long[] {32, 32},
                    "model.layers.1.self_attn.k_proj.weight", new long[] {16, 32},
                    "model.layers.1.self_attn.o_proj.weight", new long[] {32, 32},
                    "model.layers.1.mlp.gate_proj.weight", new long[] {64, 32},
                    "model.layers.1.mlp.down_proj.weight", new long[] {32, 64},
                    "lm_head.weight", new long[] {101, 32});
            shapes.forEach((n, s) -> assertArrayEquals(s, r.get(n).shape(), n));
            ParameterEntry q = r.get("model.layers.1.self_attn.q_proj.weight");
            assertEquals(ParamRole.ATTN_PROJECTION, q.role());
            assertEquals(Part.Q, q.part());
            assertEquals(1, q.layer());
            assertEquals(-1, q.expert());
            assertEquals("q_proj", q.loraTarget());
            assertEquals("model.layers.1.self_attn.q_proj", q.module());
            assertEquals(ParamRole.MLP_PROJECTION, r.get("model.layers.0.mlp.up_proj.weight").role());
            assertEquals(ParamRole.NORM, r.get("model.layers.0.post_attention_layernorm.weight").role());
            assertEquals(Part.FFN_NORM, r.get("model.layers.0.post_attention_layernorm.weight").part());
            assertEquals(ParamRole.EMBEDDING, r.get("model.embed_tokens.weight").role());
            assertEquals(ParamRole.LM_HEAD, r.get("lm_head.weight").role());
            assertNull(r.get("lm_head.weight").loraTarget());
            assertNull(r.get("model.norm.weight").loraTarget());
            assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                    r.spec().loraTargets());
            assertEquals(14, r.adaptable().size());
            assertEquals(names(r.layer(0)), names(r.entries().subList(1, 1 + r.layer(0).size())));
        }
        ParameterRegistry qwen = ParameterRegistry.of(config("qwen2", null, false));
        ParameterEntry bias = qwen.get("model.layers.0.self_attn.k_proj.bias");
        assertEquals(ParamRole.BIAS, bias.role());
        assertEquals(Part.K, bias.part());
        assertArrayEquals(new long[] {16}, bias.shape());
        assertNull(bias.loraTarget());
        ParameterRegistry biased = ParameterRegistry.of(config("llama", "attention_bias", true));
        assertTrue(biased.contains("model.layers.0.self_attn.o_proj.bias"));
        assertFalse(biased.contains("model.layers.0.mlp.up_proj.bias"));
        assertTrue(ParameterRegistry.of(config("llama", "mlp_bias", true)).contains("model.layers.1.mlp.up_proj.bias"));
    }

    @Test
    void namesAreUniqueAndShapesAreCopies() {
        for (String type : List.of("llama", "mistral", "qwen2")) {
            ParameterRegistry r = ParameterRegistry.of(config(type, "attention_bias", true));
            assertEquals(r.entries().size(), new HashSet<>(names(r.entries())).size(), type);
        }
        ParameterEntry e = ParameterRegistry.of(TinyModels.llama()).get("lm_head.weight");
        e.shape()[0] = 7;
        assertEquals(101, e.rows());
        StateDictException x = assertThrows(StateDictException.class,
                () -> ParameterRegistry.of(TinyModels.llama()).get("model.layers.9.mlp.up_proj.weight"));
        assertTrue(x.getMessage().contains("model.layers.9.mlp.up_proj.weight"), x.getMessage());
    }

    @Test
    void countIsTheSumOfEntrySizesAndWhatTheModelHolds() {
        for (String key : new String[] {null, "tie_word_embeddings"}) {
            for (String type : List.of("llama", "qwen2")) {
                ModelConfig c = config(type, key, true);
                ParameterRegistry r = ParameterRegistry.of(c);
                long sum = r.entries().stream().mapToLong(ParameterEntry::size).sum();
                assertEquals(sum, r.count());
                assertEquals(key != null, !r.contains("lm_head.weight"));
                assertEquals(key != null, r.ignored("lm_head.weight"));
                try (CausalLm m = CausalLm.random(c, ModelOptions.cpu())) {
                    assertEquals(sum, m.parameterCount());
                    Map<String, StoredTensor> sd = m.stateDict(DType.FLOAT32, false);
                    assertEquals(names(r.entries()), new ArrayList<>(sd.keySet()));
                    for (ParameterEntry e : r.entries()) {
                        assertArrayEquals(e.shape(), sd.get(e.hfName()).shape(), e.hfName());
                    }
                }
            }
        }
        ModelConfig c = TinyModels.llama();
        ConfigException huge = assertThrows(ConfigException.class,
                () -> ParameterRegistry.of(c.withLayers(100_000_000)));
        assertTrue(huge.getMessage().startsWith("config.json num_hidden_layers = 100000000 gives up to"),
                huge.getMessage());
        assertEquals(2, ParameterRegistry.of(c.withLayers(100_000_000).withLayers(2)).layerCount());
        ParameterRegistry one = ParameterRegistry.firstLayer(c);
        assertEquals(1, one.layerCount());
        assertEquals(names(ParameterRegistry.of(c).layer(0)), names(one.layer(0)));
    }

    @Test
    void storageAndTrainabilityFollowTheModelsOptions() {
        ParameterRegistry r = ParameterRegistry.of(TinyModels.llama(), Storage.BF16, true, false);
        for (ParameterEntry e : r.entries()) {
            assertFalse(e.trainable(), e.hfName());
            boolean projection = e.role() == ParamRole.ATTN_PROJECTION || e.role() == ParamRole.MLP_PROJECTION;
            assertEquals(projection ? Storage.INT8 : Storage.BF16, e.storage(), e.hfName());
        }
        try (CausalLm m = CausalLm.random(TinyModels.llama(), ModelOptions.cpu()
                .withLora(LoraOptions.of(2, 4, 0, List.of("q", "v"))).withInt8(true))) {
            assertEquals(Storage.INT8, m.registry().get("model.layers.0.mlp.down_proj.weight").storage());
            assertFalse(m.registry().get("model.norm.weight").trainable());
        }
    }

    @Test
    void loraTargetsAndPeftNamesComeFromTheEntries() {
        ParameterRegistry r = ParameterRegistry.of(TinyModels.llama());
        List<ParameterEntry> qv = r.loraTargets(List.of("q_proj", "v_proj"));
        assertEquals(List.of("model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.v_proj.weight",
                "model.layers.1.self_attn.q_proj.weight", "model.layers.1.self_attn.v_proj.weight"), names(qv));
        assertEquals("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                ParameterRegistry.peftName(qv.get(0), ParameterRegistry.LORA_A));
        ParameterRegistry.LoraMatrix b = r.loraMatrix(
                "base_model.model.model.layers.1.mlp.down_proj.lora_B.default.weight").orElseThrow();
        assertEquals("model.layers.1.mlp.down_proj.weight", b.target().hfName());
        assertFalse(b.a());
        assertArrayEquals(new long[] {32, 4}, b.shape(4));
        assertArrayEquals(new long[] {4, 64}, r.loraMatrix("model.layers.1.mlp.down_proj.lora_A.weight")
                .orElseThrow().shape(4));
        assertTrue(r.loraMatrix("model.norm.lora_A.weight").isEmpty());
        assertTrue(r.loraMatrix("lm_head.lora_A.weight").isEmpty());
        try (CausalLm m = CausalLm.random(TinyModels.llama(), ModelOptions.cpu()
                .withLora(LoraOptions.of(2, 4, 0, List.of("all-linear"))))) {
            List<String> want = new ArrayList<>();
            for (ParameterEntry e : r.adaptable()) {
                want.add(ParameterRegistry.peftName(e, ParameterRegistry.LORA_A));
                want.add(ParameterRegistry.peftName(e, ParameterRegistry.LORA_B));
            }
            assertEquals(want, new ArrayList<>(m.loraStateDict().keySet()));
        }
    }
}
