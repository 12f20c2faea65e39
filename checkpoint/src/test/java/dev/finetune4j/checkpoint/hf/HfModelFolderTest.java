package dev.finetune4j.checkpoint.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfModelFolderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static LinkedHashMap<String, StoredTensor> weights() {
        LinkedHashMap<String, StoredTensor> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", StoredTensor.ofFloats(new long[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7,
            1.00390625f}));
        m.put("model.norm.weight", StoredTensor.ofFloats(new long[] {2}, new float[] {1, 1}));
        m.put("lm_head.weight", StoredTensor.ofFloats(new long[] {4, 2}, new float[8]));
        return m;
    }

    @Test
    void normalizesTransformersV5Config() throws IOException {
        ObjectNode raw = (ObjectNode) JSON.readTree("{\"model_type\":\"llama\",\"dtype\":\"bfloat16\","
                + "\"rope_parameters\":{\"rope_type\":\"llama3\",\"rope_theta\":500000.0,\"factor\":8.0}}");
        ObjectNode n = HfConfigs.normalize(raw);
        assertEquals(500000.0, n.get("rope_theta").asDouble());
        assertEquals("llama3", n.get("rope_scaling").get("rope_type").asText());
        assertEquals(8.0, n.get("rope_scaling").get("factor").asDouble());
        assertFalse(n.get("rope_scaling").has("rope_theta"));
        assertEquals("bfloat16", n.get("torch_dtype").asText());
        assertFalse(n.has("rope_parameters") || n.has("dtype"));
        ObjectNode def = HfConfigs.normalize((ObjectNode) JSON.readTree(
                "{\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":10000.0}}"));
        assertTrue(def.get("rope_scaling").isNull());
        assertEquals(10000.0, def.get("rope_theta").asDouble());
        ObjectNode old = HfConfigs.normalize((ObjectNode) JSON.readTree(
                "{\"rope_theta\":1e4,\"rope_scaling\":{\"type\":\"linear\",\"factor\":2.0}}"));
        assertEquals("linear", old.get("rope_scaling").get("rope_type").asText());
    }

    @Test
    void writesAndReadsAFolderWithCastTieShardsAndTokenizer() throws IOException {
        Path tokSrc = Files.createDirectories(tmp.resolve("tok"));
        Files.writeString(tokSrc.resolve("tokenizer.json"), "{\"version\":\"1.0\"}");
        Files.writeString(tokSrc.resolve("tokenizer_config.json"), "{}");
        ObjectNode cfg = (ObjectNode) JSON.readTree("{\"model_type\":\"llama\",\"torch_dtype\":\"float32\"}");
        ObjectNode gen = (ObjectNode) JSON.readTree("{\"do_sample\":true,\"temperature\":0.6}");
        LinkedHashMap<String, StoredTensor> w = weights();
        Path out = tmp.resolve("out/ba10");
        HfModelWriter.write(out, cfg, List.copyOf(w.keySet()), w::get, HfWriteOptions.defaults()
                .withDtype(DType.BFLOAT16).withTiedLmHead(true).withMaxShardBytes(10).withGenerationConfig(gen)
                .withTokenizerSourceDir(tokSrc));
        assertTrue(Files.exists(out.resolve("model.safetensors.index.json")));
        assertTrue(Files.exists(out.resolve("tokenizer.json")));
        try (HfModelFolder f = HfModelFolder.open(out)) {
            assertEquals("bfloat16", f.config().get("torch_dtype").asText());
            assertEquals(0.6, f.generationConfig().orElseThrow().get("temperature").asDouble());
            assertEquals(List.of("model.embed_tokens.weight", "model.norm.weight"), f.names());
            StoredTensor e = f.tensor("model.embed_tokens.weight");
            assertEquals(DType.BFLOAT16, e.dtype());
            // 1.00390625 = 1 + 2^-8 is a tie between bf16 1.0 and 1.0078125; ties to even -> 1.0
            assertEquals(1.0f, e.toFloatArray()[7]);
            assertEquals(7.0f, e.toFloatArray()[6]);
            assertEquals(2, f.tokenizerFiles().size());
        }
        // overwrite in place: the old folder is replaced as a whole
        HfModelWriter.write(out, cfg, List.copyOf(w.keySet()), w::get, HfWriteOptions.defaults());
        try (HfModelFolder f = HfModelFolder.open(out)) {
            assertEquals(3, f.names().size());
            assertEquals(DType.FLOAT32, f.tensor("lm_head.weight").dtype());
            assertTrue(f.generationConfig().isEmpty());
            assertTrue(f.tokenizerFiles().isEmpty());
        }
        assertEquals(1, Files.list(tmp.resolve("out")).count(), "no temp folders left");
    }

    @Test
    void readsPytorchModelBinWithSharedStorageAndViews() throws IOException {
        try (HfModelFolder f = HfModelFolder.open(dev.finetune4j.checkpoint.Fixtures.path("hf_bin"))) {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            for (String n : f.names()) {
                m.put(n, f.tensor(n));
            }
            dev.finetune4j.checkpoint.PythonCheck.assertSame(
                    dev.finetune4j.checkpoint.Fixtures.expected("hf_bin").get("OrderedDict"),
                    dev.finetune4j.checkpoint.PythonCheck.describe(m).get("dict"));
            assertEquals(10000.0, f.config().get("rope_theta").asDouble());
        }
    }

    @Test
    void pythonReadsTheWrittenFolder() throws Exception {
        dev.finetune4j.checkpoint.PythonCheck.assumeTorch();
        LinkedHashMap<String, StoredTensor> w = weights();
        ObjectNode cfg = (ObjectNode) JSON.readTree("{\"model_type\":\"llama\",\"rope_theta\":500000.0,"
                + "\"rms_norm_eps\":1e-05,\"torch_dtype\":\"float32\"}");
        Path out = tmp.resolve("hf");
        HfModelWriter.write(out, cfg, List.copyOf(w.keySet()), w::get,
                HfWriteOptions.defaults().withDtype(DType.BFLOAT16).withMaxShardBytes(20));
        com.fasterxml.jackson.databind.JsonNode py = dev.finetune4j.checkpoint.PythonCheck.run("--hf-folder",
                out.toString());
        assertEquals("bfloat16", py.get("value").get("config").get("torch_dtype").asText());
        assertEquals(1e-05, py.get("value").get("config").get("rms_norm_eps").asDouble());
        java.util.TreeMap<String, Object> expected = new java.util.TreeMap<>();
        w.forEach((k, v) -> expected.put(k, dev.finetune4j.checkpoint.TensorConversions.cast(v, DType.BFLOAT16)));
        dev.finetune4j.checkpoint.PythonCheck.assertSame(dev.finetune4j.checkpoint.PythonCheck.describe(
                new LinkedHashMap<>(expected)), py.get("value").get("tensors"));
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"rope_theta\": 500000.0,"));
    }

    @Test
    void missingPiecesAreNamed() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("m"));
        assertTrue(assertThrows(CheckpointFormatException.class, () -> HfModelFolder.open(d)).getMessage()
                .contains("no config.json"));
        Files.writeString(d.resolve("config.json"), "{}");
        assertTrue(assertThrows(CheckpointFormatException.class, () -> HfModelFolder.open(d)).getMessage()
                .contains("no weights found"));
        Files.writeString(d.resolve("config.json"), "{oops");
        assertTrue(assertThrows(CheckpointFormatException.class, () -> HfModelFolder.open(d)).getMessage()
                .contains("config.json"));
    }
}
