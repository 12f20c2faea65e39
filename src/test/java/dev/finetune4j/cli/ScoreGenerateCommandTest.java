package dev.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.hf.HfModelWriter;
import dev.finetune4j.checkpoint.hf.HfWriteOptions;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** score/generate on a tiny random Llama saved with the quickstart's character tokenizer (in the repository). */
class ScoreGenerateCommandTest {

    @TempDir
    static Path tmp;
    static Path modelDir;
    static final String TEXT = "The quick brown fox jumps over the lazy dog. It was a sunny day, and the dog did not "
            + "mind at all: it slept in the warm grass while the fox ran off into the woods.";

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        CliRun r = CliRun.of(args);
        return new Result(r.exitCode(), r.out(), r.stderr());
    }


    @BeforeAll
    static void writeTinyModel() {
        Path tok = Path.of("..", "examples", "quickstart", "model").toAbsolutePath().normalize();
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("model_type", "llama");
        c.put("vocab_size", 101);
        c.put("hidden_size", 16);
        c.put("intermediate_size", 32);
        c.put("num_hidden_layers", 1);
        c.put("num_attention_heads", 2);
        c.put("max_position_embeddings", 16);   // forces windowed scoring
        c.put("eos_token_id", 4);
        c.put("tie_word_embeddings", true);
        ModelConfig config = ModelConfig.fromJson(c);
        modelDir = tmp.resolve("tiny");
        try (CausalLm m = CausalLm.random(config, ModelOptions.cpu())) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(dev.finetune4j.checkpoint.DType.FLOAT32);
            HfModelWriter.write(modelDir, config.toJson(), new ArrayList<>(sd.keySet()), sd::get,
                    HfWriteOptions.defaults().withTiedLmHead(true).withTokenizerSourceDir(tok));
        }
    }

    @Test
    void scorePrintsTokensAndMeanLoss() throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, TEXT);
        Result r = run("score", "--model", modelDir.toString(), "--text-file", text.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        JsonNode out = new ObjectMapper().readTree(r.out());
        int[] ids;
        try (HfTokenizer t = HfTokenizer.load(modelDir)) {
            ids = t.encode(TEXT, true);
        }
        assertEquals(ids.length, out.get("tokens").asInt());
        assertTrue(ids.length > 16, "the text must span several windows");
        // independent expectation: windows of 16 scored with the model's loss
        double sum = 0;
        long n = 0;
        try (dev.finetune4j.checkpoint.hf.HfModelFolder f = dev.finetune4j.checkpoint.hf.HfModelFolder.open(modelDir);
             CausalLm m = CausalLm.load(f, ModelOptions.cpu())) {
            for (int s = 0; s < ids.length - 1; s += 16) {
                int[] w = java.util.Arrays.copyOfRange(ids, s, Math.min(ids.length, s + 16));
                if (w.length < 2) {
                    break;
                }
                int[] pos = new int[w.length];
                for (int i = 0; i < pos.length; i++) {
                    pos[i] = i;
                }
                try (NDScope scope = new NDScope()) {
                    sum += m.loss(new Batch(1, w.length, w, w, pos, new int[][] {{0, w.length}}, w.length,
                            w.length - 1), false).sum().getFloat();
                }
                n += w.length - 1;
            }
        }
        assertEquals(sum / n, out.get("loss").asDouble(), 1e-5);
        assertTrue(Math.abs(out.get("loss").asDouble() - Math.log(101)) < 1.0, r.out());
    }

    @Test
    void generatePrintsText() {
        Result r = run("generate", "--model", modelDir.toString(), "--prompt", "Hello", "--max-new-tokens", "5",
                "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(!r.out().isBlank(), "generated text: '" + r.out() + "'");
        Result s1 = run("generate", "--model", modelDir.toString(), "--prompt", "Hello", "--max-new-tokens", "5",
                "--top-k", "10", "--seed", "3", "--device", "cpu");
        Result s2 = run("generate", "--model", modelDir.toString(), "--prompt", "Hello", "--max-new-tokens", "5",
                "--top-k", "10", "--seed", "3", "--device", "cpu");
        assertEquals(0, s1.code(), s1.err());
        assertEquals(s1.out(), s2.out());
        Result huge = run("generate", "--model", modelDir.toString(), "--prompt", "Hello", "--max-new-tokens",
                "2000000000", "--device", "cpu");
        assertEquals(1, huge.code());
        assertTrue(huge.err().contains("16 positions (max_position_embeddings)") && huge.err().contains("at most"),
                huge.err());
    }

    @Test
    void aTextFileThatIsNotUtf8IsNamed() throws Exception {
        Path bad = Files.write(tmp.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
        Result r = run("score", "--model", modelDir.toString(), "--text-file", bad.toString());
        assertTrue(r.code() != 0);
        assertTrue(r.err().contains("latin1.txt") && r.err().contains("not valid UTF-8"), r.err());
        assertTrue(!r.err().contains("Input length"), r.err());
    }

    @Test
    void badInputsGiveOneLineErrors() {
        Result r = run("score", "--model", modelDir.toString(), "--text-file", tmp.resolve("nope.txt").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nope.txt"), r.err());
        Result p = run("score", "--model", modelDir.toString(), "--text-file", modelDir.resolve("config.json")
                .toString(), "--precision", "fp8");
        assertEquals(1, p.code());
        assertTrue(p.err().contains("fp32, bf16"), p.err());
    }
}
