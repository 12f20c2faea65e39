package dev.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.hf.HfModelWriter;
import dev.finetune4j.checkpoint.hf.HfWriteOptions;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plan} on Mixtral-8x7B's config.json (parameter counts of the sparse MoE, LoRA on router and experts), and
 * {@code score} / {@code generate} on a tiny random Mixtral folder with the quickstart's tokenizer.
 */
class MixtralCliTest {

    private static final Path EXAMPLES = Path.of("..", "examples", "plan");

    @Test
    void planCountsTheExpertsAndTheirAdapters() throws Exception {
        CliRun r = CliRun.of("plan", EXAMPLES.resolve("mixtral-lora.yaml").toString(), "--device-memory", "80",
                "--json");
        assertEquals(0, r.exitCode(), r.stderr());
        JsonNode o = new ObjectMapper().readTree(r.out());
        // mistralai/Mixtral-8x7B-v0.1: 46.7B parameters
        assertEquals(46_702_792_704L, o.get("parameters").asLong());
        // r=16 per layer: q (4096+4096), k and v (4096+1024), o (4096+4096), router (4096+8), 8 experts × w1, w2, w3
        // (4096+14336 each); 32 layers
        long perLayer = 16L * (2 * 8192 + 2 * 5120 + 4104 + 8 * 3 * 18432);
        assertEquals(32 * perLayer, o.get("trainable_parameters").asLong());
        assertTrue(o.get("fits").asBoolean(), r.out());
    }

    @Test
    void scoreAndGenerateOnATinyMixtral(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("tiny-mixtral");
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("MixtralForCausalLM");
        c.put("model_type", "mixtral");
        c.put("vocab_size", 101);
        c.put("hidden_size", 16);
        c.put("intermediate_size", 24);
        c.put("num_hidden_layers", 1);
        c.put("num_attention_heads", 2);
        c.put("num_key_value_heads", 1);
        c.put("num_local_experts", 3);
        c.put("num_experts_per_tok", 2);
        c.put("max_position_embeddings", 64);
        c.put("sliding_window", 8);
        c.put("eos_token_id", 4);
        ModelConfig config = ModelConfig.fromJson(c);
        try (CausalLm m = CausalLm.random(config, ModelOptions.cpu())) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
            HfModelWriter.write(model, config.toJson(), new ArrayList<>(sd.keySet()), sd::get,
                    HfWriteOptions.defaults().withTokenizerSourceDir(Path.of("..", "examples", "quickstart", "model")
                            .toAbsolutePath().normalize()));
        }
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "The quick brown fox jumps over the lazy dog, twice: the quick brown fox.");
        CliRun s = CliRun.of("score", "--model", model.toString(), "--text-file", text.toString(), "--device", "cpu");
        assertEquals(0, s.exitCode(), s.stderr());
        JsonNode out = new ObjectMapper().readTree(s.out());
        assertTrue(out.get("tokens").asInt() > 20, s.out());
        double loss = out.get("loss").asDouble();
        assertTrue(loss > 3.5 && loss < 6.0, "a random model's loss is about ln(101): " + loss);
        CliRun g = CliRun.of("generate", "--model", model.toString(), "--prompt", "The quick", "--max-new-tokens",
                "12", "--device", "cpu");
        assertEquals(0, g.exitCode(), g.stderr());
        assertTrue(!g.out().isBlank(), "generate printed nothing");
    }
}
