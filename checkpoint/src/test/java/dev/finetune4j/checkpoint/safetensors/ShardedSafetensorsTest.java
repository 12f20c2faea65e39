package dev.finetune4j.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.StoredTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafetensorsTest {
    @TempDir
    Path tmp;

    private static LinkedHashMap<String, StoredTensor> tensors() {
        LinkedHashMap<String, StoredTensor> m = new LinkedHashMap<>();
        m.put("a", StoredTensor.ofFloats(new long[] {10}, new float[10]));       // 40 B
        m.put("b", StoredTensor.ofFloats(new long[] {10}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
        m.put("big", StoredTensor.ofFloats(new long[] {30}, new float[30]));     // 120 B > limit
        m.put("c", StoredTensor.ofFloats(new long[] {5}, new float[] {1, 1, 1, 1, 1}));   // 20 B
        m.put("d", StoredTensor.ofFloats(new long[] {1}, new float[] {9}));   // 4 B: 104 > 100, new shard
        return m;
    }

    @Test
    void shardsLikeHuggingfaceHubAndReadsBack() throws IOException {
        LinkedHashMap<String, StoredTensor> m = tensors();
        List<String> files = ShardedSafetensorsWriter.write(tmp, "model", List.copyOf(m.keySet()), m::get, 100,
                SafetensorsWriter.PT_METADATA);
        // big (120 B > 100) gets a shard of its own before the open one (a+b = 80) is closed; c (20) still fits
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", "model.safetensors.index.json"), files);
        JsonNode idx = new ObjectMapper().readTree(tmp.resolve("model.safetensors.index.json").toFile());
        assertEquals(224, idx.get("metadata").get("total_size").asLong());
        assertEquals("model-00001-of-00003.safetensors", idx.get("weight_map").get("big").asText());
        assertEquals("model-00002-of-00003.safetensors", idx.get("weight_map").get("a").asText());
        assertEquals("model-00002-of-00003.safetensors", idx.get("weight_map").get("c").asText());
        assertEquals("model-00003-of-00003.safetensors", idx.get("weight_map").get("d").asText());
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(tmp.resolve("model.safetensors.index.json"))) {
            assertEquals(List.of("big", "a", "b", "c", "d"), c.names());
            for (Map.Entry<String, StoredTensor> e : m.entrySet()) {
                assertEquals(e.getValue(), c.tensor(e.getKey()));
            }
        }
    }

    @Test
    void singleShardIsPlainModelFile() {
        LinkedHashMap<String, StoredTensor> m = tensors();
        List<String> files = ShardedSafetensorsWriter.write(tmp, "model", List.copyOf(m.keySet()), m::get, 1L << 30,
                null);
        assertEquals(List.of("model.safetensors"), files);
        assertEquals(5, SafetensorsCheckpoint.open(tmp.resolve("model.safetensors")).names().size());
    }

    @Test
    void indexNamingAMissingTensorIsRejected() throws IOException {
        LinkedHashMap<String, StoredTensor> m = tensors();
        ShardedSafetensorsWriter.write(tmp, "model", List.copyOf(m.keySet()), m::get, 100, null);
        Path idx = tmp.resolve("model.safetensors.index.json");
        Files.writeString(idx, Files.readString(idx).replace("\"d\"", "\"zzz\""));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafetensorsCheckpoint.open(idx));
        assertTrue(e.getMessage().contains("'zzz'"), e.getMessage());
    }
}
