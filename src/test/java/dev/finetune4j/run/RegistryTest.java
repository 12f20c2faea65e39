package dev.finetune4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryTest {
    @TempDir
    Path dir;

    private Path modelFolder() throws IOException {
        Path m = Files.createDirectories(dir.resolve("run/huggingface/ba10"));
        Files.writeString(m.resolve("config.json"), "{\"model_type\": \"llama\"}");
        Files.write(m.resolve("model.safetensors"), new byte[] {1, 2, 3});
        Files.createDirectories(m.resolve("sub"));
        Files.writeString(m.resolve("sub/tokenizer.json"), "{}");
        return m;
    }

    @Test
    void registersVersionsWithMetadata() throws IOException {
        Path src = modelFolder();
        Registry reg = new Registry(dir.resolve("registry"));
        ModelMetadata meta = new ModelMetadata("/models/llama", "/data/train.jsonl", Map.of("learning_rate", 1e-5),
                Map.of("loss/train", 1.5));
        RegisteredModel v1 = reg.register(src, "my-model", meta);
        RegisteredModel v2 = reg.register(src, "my-model", meta);
        assertEquals(1, v1.version());
        assertEquals(2, v2.version());
        assertEquals(dir.resolve("registry/my-model/2"), v2.path());
        assertEquals(List.of(v1, v2), reg.versions("my-model"));
        assertEquals(v2, reg.latest("my-model").orElseThrow());
        assertEquals("{\"model_type\": \"llama\"}", Files.readString(v1.path().resolve("config.json")));
        assertEquals(3, Files.readAllBytes(v1.path().resolve("model.safetensors")).length);
        assertEquals("{}", Files.readString(v1.path().resolve("sub/tokenizer.json")));
        JsonNode md = new ObjectMapper().readTree(v2.path().resolve("metadata.json").toFile());
        assertEquals("my-model", md.get("name").asText());
        assertEquals(2, md.get("version").asInt());
        assertEquals("/models/llama", md.get("base_model").asText());
        assertEquals("/data/train.jsonl", md.get("train_data").asText());
        assertEquals(1e-5, md.get("config").get("learning_rate").asDouble());
        assertEquals(1.5, md.get("metrics").get("loss/train").asDouble());
        assertEquals(src.toString(), md.get("source").asText());
        try (Stream<Path> s = Files.list(dir.resolve("registry/my-model"))) {
            assertEquals(List.of("1", "2"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temp folders left");
        }
    }

    @Test
    void concurrentRegistrationsGetDistinctVersions() throws Exception {
        Path src = modelFolder();
        Registry reg = new Registry(dir.resolve("registry"));
        ModelMetadata meta = new ModelMetadata("b", "t", Map.of(), Map.of());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<RegisteredModel>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                futures.add(pool.submit(() -> reg.register(src, "m", meta)));
            }
            java.util.Set<Integer> versions = new java.util.TreeSet<>();
            for (var f : futures) {
                versions.add(f.get().version());
            }
            assertEquals(java.util.Set.of(1, 2, 3, 4, 5, 6), versions);
        } finally {
            pool.shutdownNow();
        }
        for (RegisteredModel m : reg.versions("m")) {
            assertTrue(Files.isRegularFile(m.path().resolve("metadata.json")));
            assertTrue(Files.isRegularFile(m.path().resolve("sub/tokenizer.json")));
            int v = new ObjectMapper().readTree(m.path().resolve("metadata.json").toFile()).get("version").asInt();
            assertEquals(m.version(), v, "metadata matches its folder");
        }
    }

    @Test
    void badInputsAreClearErrors() throws IOException {
        Registry reg = new Registry(dir.resolve("registry"));
        Path src = modelFolder();
        ModelMetadata meta = new ModelMetadata("b", "t", Map.of(), Map.of());
        RegistryException e = assertThrows(RegistryException.class, () -> reg.register(src, "../x", meta));
        assertTrue(e.getMessage().startsWith("Invalid registered model name '../x'"), e.getMessage());
        Path missing = dir.resolve("nope");
        e = assertThrows(RegistryException.class, () -> reg.register(missing, "m", meta));
        assertEquals("Cannot register " + missing + ": not a folder", e.getMessage());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        e = assertThrows(RegistryException.class, () -> reg.register(empty, "m", meta));
        assertEquals("Cannot register " + empty + ": the folder has no files", e.getMessage());
        assertEquals(List.of(), reg.versions("m"));
        try (Stream<Path> s = Files.list(dir.resolve("registry/m"))) {
            assertEquals(0, s.count(), "the failed registration left no temp folder");
        }
    }
}
