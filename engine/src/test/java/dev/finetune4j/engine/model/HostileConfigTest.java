package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.safetensors.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile model config.json values: refused as a whole before anything is allocated, each with a message naming
 * the key, the value and the allowed range, within 5 s; plus a seeded fuzz of config values.
 */
class HostileConfigTest {
    private static final Duration CAP = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    /** The tensors of TinyModels' 2-layer llama (zeros; only names and header shapes matter here). */
    static Map<String, StoredTensor> tinyWeights() {
        ModelConfig c = TinyModels.llama();
        int h = c.hiddenSize();
        int q = c.numAttentionHeads() * c.headDim();
        int kv = c.numKeyValueHeads() * c.headDim();
        int inter = c.intermediateSize();
        Map<String, StoredTensor> w = new LinkedHashMap<>();
        w.put("model.embed_tokens.weight", zeros(c.vocabSize(), h));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            w.put(p + "input_layernorm.weight", zeros(h));
            w.put(p + "self_attn.q_proj.weight", zeros(q, h));
            w.put(p + "self_attn.k_proj.weight", zeros(kv, h));
            w.put(p + "self_attn.v_proj.weight", zeros(kv, h));
            w.put(p + "self_attn.o_proj.weight", zeros(h, q));
            w.put(p + "post_attention_layernorm.weight", zeros(h));
            w.put(p + "mlp.gate_proj.weight", zeros(inter, h));
            w.put(p + "mlp.up_proj.weight", zeros(inter, h));
            w.put(p + "mlp.down_proj.weight", zeros(h, inter));
        }
        w.put("model.norm.weight", zeros(h));
        w.put("lm_head.weight", zeros(c.vocabSize(), h));
        return w;
    }

    private static StoredTensor zeros(long... shape) {
        return StoredTensor.ofFloats(shape, new float[(int) StoredTensor.numel(shape)]);
    }

    private static String refusal(ObjectNode json) {
        return assertTimeoutPreemptively(CAP, () -> {
            try {
                ModelConfig c = ModelConfig.fromJson(json);
                ConfigWeightsCheck.check(c, TensorSource.of(tinyWeights()));
                return "accepted";
            } catch (ConfigException e) {
                return e.getMessage();
            }
        });
    }

    private static ObjectNode tiny(String key, Object value) {
        ObjectNode o = TinyModels.json("llama");
        o.set(key, new ObjectMapper().valueToTree(value));
        return o;
    }

    private static void assertRefused(ObjectNode json, String... words) {
        String message = refusal(json);
        for (String w : words) {
            assertTrue(message.contains(w), "'" + w + "' not in: " + message);
        }
    }

    @Test
    void hundredMillionLayersOverATwoLayerFolderIsRefusedBeforeAllocating() throws Exception {
        Map<String, StoredTensor> weights = tinyWeights();
        SafetensorsWriter.write(dir.resolve("model.safetensors"), weights, SafetensorsWriter.PT_METADATA);
        for (int layers : new int[] {100_000_000, Integer.MAX_VALUE}) {
            ObjectNode cfg = tiny("num_hidden_layers", layers);
            Files.writeString(dir.resolve("config.json"), cfg.toString());
            ConfigException e = assertTimeoutPreemptively(CAP, () -> {
                try (HfModelFolder folder = HfModelFolder.open(dir)) {
                    return assertThrows(ConfigException.class, () -> CausalLm.load(folder, ModelOptions.cpu()));
                }
            });
            assertTrue(e.getMessage().startsWith(dir.resolve("config.json") + ": config.json num_hidden_layers = "
                    + layers) && e.getMessage().contains(
                    "allowed: 2"), e.getMessage());
        }
    }

    @Test
    void sizesMustMatchTheWeightHeaders() {
        assertRefused(tiny("vocab_size", 102), "vocab_size gives 102", "model.embed_tokens.weight", "101 rows");
        assertRefused(tiny("hidden_size", 64), "hidden_size gives 64");
        assertRefused(tiny("intermediate_size", 65), "intermediate_size gives 65");
        ObjectNode heads = tiny("num_attention_heads", 8);
        heads.put("head_dim", 8);
        assertRefused(heads, "num_attention_heads × head_dim gives 64");
        assertRefused(tiny("num_key_value_heads", 4), "num_key_value_heads × head_dim gives 32");
    }

    @Test
    void valuesOutOfRangeNameKeyValueAndRange() {
        assertRefused(tiny("rope_theta", -10000), "rope_theta = -10000.0", "allowed: a finite number > 0");
        assertRefused(tiny("max_position_embeddings", -5), "max_position_embeddings = -5", "allowed: 1 or more");
        assertRefused(tiny("rms_norm_eps", 0), "rms_norm_eps = 0.0", "0 < rms_norm_eps < 1");
        assertRefused(tiny("eos_token_id", 101), "eos_token_id = 101", "allowed: 0..100");
        assertRefused(tiny("eos_token_id", List.of(2, 5000)), "eos_token_id list [2, 5000] holds 5000",
                "allowed: 0..100");
        assertRefused(tiny("bos_token_id", -3), "bos_token_id = -3", "allowed: 0..100");
        assertRefused(tiny("pad_token_id", 1000), "pad_token_id = 1000");
        assertRefused(tiny("num_key_value_heads", 0), "num_key_value_heads = 0", "allowed: 1..4");
        assertRefused(tiny("num_attention_heads", 0), "num_attention_heads = 0");
        assertRefused(tiny("num_attention_heads", 5), "hidden_size (32) must be divisible by num_attention_heads (5)");
        assertRefused(tiny("head_dim", 7), "head_dim must be even");
        assertRefused(tiny("num_hidden_layers", 0), "num_hidden_layers = 0", "allowed: 1 or more");
        assertRefused(tiny("vocab_size", 3_000_000_000L), "vocab_size must be an integer");
        ObjectNode scaling = tiny("rope_scaling", Map.of("rope_type", "linear", "factor", -2));
        assertRefused(scaling, "rope_scaling.factor = -2.0");
    }

    @Test
    void fuzzedConfigValuesOnlyEverRaiseConfigErrors() {
        long seed = 16;
        Random rnd = new Random(seed);
        String[] keys = {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
            "num_key_value_heads", "head_dim", "max_position_embeddings", "rms_norm_eps", "rope_theta",
            "rope_scaling", "rope_parameters", "attention_bias", "mlp_bias", "tie_word_embeddings", "sliding_window",
            "use_sliding_window", "max_window_layers", "initializer_range", "pad_token_id", "bos_token_id",
            "eos_token_id", "attention_dropout", "hidden_act", "model_type"};
        int accepted = 0;
        int refused = 0;
        for (int n = 0; n < 3000; n++) {
            ObjectNode json = TinyModels.json(rnd.nextInt(4) == 0 ? "qwen2" : rnd.nextBoolean() ? "mistral" : "llama");
            int edits = 1 + rnd.nextInt(3);
            for (int i = 0; i < edits; i++) {
                json.set(keys[rnd.nextInt(keys.length)], value(rnd, 0));
            }
            try {
                String r = refusal(json);
                if (r.equals("accepted")) {
                    accepted++;
                } else {
                    refused++;
                }
            } catch (StateDictException e) {
                refused++;
            } catch (Throwable e) {
                fail("seed " + seed + " case " + n + ": " + e + " for config.json " + json, e);
            }
        }
        System.out.println("config fuzz (seed " + seed + "): " + accepted + " accepted, " + refused + " refused");
        assertTrue(accepted > 100 && refused > 100, accepted + " / " + refused);
    }

    private static JsonNode value(Random rnd, int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (rnd.nextInt(depth > 1 ? 12 : 14)) {
            case 0 -> f.numberNode(-rnd.nextInt(10));
            case 1 -> f.numberNode(0);
            case 2 -> f.numberNode(rnd.nextInt(200));
            case 3 -> f.numberNode(Integer.MAX_VALUE);
            case 4 -> f.numberNode(1L << 40);
            case 5 -> f.numberNode(rnd.nextDouble() * 2 - 0.5);
            case 6 -> f.numberNode(1e308 * 10);
            case 7 -> f.nullNode();
            case 8 -> f.booleanNode(rnd.nextBoolean());
            case 9 -> f.textNode(rnd.nextBoolean() ? "silu" : "llama3");
            case 10 -> f.numberNode(new java.math.BigInteger("1" + "0".repeat(40)));
            case 11 -> f.numberNode(1e-12);
            case 12 -> {
                ArrayNode a = f.arrayNode();
                for (int i = rnd.nextInt(4); i > 0; i--) {
                    a.add(value(rnd, depth + 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = f.objectNode();
                String[] sub = {"rope_type", "type", "factor", "low_freq_factor", "high_freq_factor",
                    "original_max_position_embeddings", "rope_theta"};
                for (int i = rnd.nextInt(4); i > 0; i--) {
                    o.set(sub[rnd.nextInt(sub.length)], value(rnd, depth + 1));
                }
                yield o;
            }
        };
    }
}
