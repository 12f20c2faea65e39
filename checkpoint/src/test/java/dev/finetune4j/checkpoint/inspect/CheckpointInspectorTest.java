package dev.finetune4j.checkpoint.inspect;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.Fixtures;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.peft.PeftAdapter;
import dev.finetune4j.checkpoint.peft.PeftConfig;
import dev.finetune4j.checkpoint.safetensors.ShardedSafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointInspectorTest {
    @TempDir
    Path tmp;

    @Test
    void torchFilePathsJoinKeysAndIndices() throws Exception {
        Path f = Conformance.checkpoints().resolve("pytorch/burn-reader/checkpoint.pt");
        List<TensorSummary> l = CheckpointInspector.list(f);
        assertEquals(List.of("model_state_dict.fc1.weight", "model_state_dict.fc1.bias", "model_state_dict.fc2.weight",
                "model_state_dict.fc2.bias", "optimizer_state_dict.state.0.momentum_buffer"),
                l.stream().map(TensorSummary::path).toList());
        JsonNode exp = new ObjectMapper().readTree(Conformance.checkpoints()
                .resolve("pytorch/burn-reader/checkpoint.pt.expected.json").toFile());
        JsonNode fc1 = exp.get("object").get("items").get(0).get(1).get("items").get(0).get(1);
        assertEquals(fc1.get("sha256_contiguous_le").asText(), l.get(0).sha256());
        assertEquals("{\"path\":\"model_state_dict.fc1.weight\",\"dtype\":\"float32\",\"shape\":[10,5],\"sha256\":\""
                + l.get(0).sha256() + "\"}", l.get(0).toJsonLine());
    }

    @Test
    void listsTheConformanceSafetensorsFile() {
        Path st = Conformance.checkpoints().resolve("safetensors/burn/multi_layer.safetensors");
        assertEquals("norm1.num_batches_tracked", CheckpointInspector.list(st).get(0).path());
        assertEquals("int64", CheckpointInspector.list(st).get(0).dtype());
    }

    @Test
    void listsEveryContainerKind() {
        LinkedHashMap<String, StoredTensor> m = new LinkedHashMap<>();
        m.put("a", StoredTensor.ofFloats(new long[] {2}, new float[] {1, 2}));
        m.put("b", StoredTensor.ofFloats(new long[] {2}, new float[] {3, 4}));
        ShardedSafetensorsWriter.write(tmp, "model", List.copyOf(m.keySet()), m::get, 8, null);
        assertEquals(List.of("a", "b"), CheckpointInspector.list(tmp.resolve("model.safetensors.index.json")).stream()
                .map(TensorSummary::path).toList());
        Path peft = tmp.resolve("adapter");
        LinkedHashMap<String, StoredTensor> lora = new LinkedHashMap<>();
        lora.put("model.layers.0.self_attn.q_proj.lora_A.weight", StoredTensor.ofFloats(new long[] {1, 2},
                new float[] {1, 2}));
        PeftAdapter.write(peft, PeftConfig.lora(1, 1, 0, List.of("q_proj"), null), lora);
        assertEquals("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                CheckpointInspector.list(peft).get(0).path());
        assertEquals(3, CheckpointInspector.list(Fixtures.path("hf_bin")).size());
        assertEquals(3, CheckpointInspector.list(Fixtures.path("dcp_sharded")).size());
    }

    @Test
    void unknownFolderIsRefused() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("empty"));
        assertThrows(CheckpointFormatException.class, () -> CheckpointInspector.list(d));
        assertThrows(CheckpointFormatException.class, () -> CheckpointInspector.list(tmp.resolve("missing.pt")));
    }
}
