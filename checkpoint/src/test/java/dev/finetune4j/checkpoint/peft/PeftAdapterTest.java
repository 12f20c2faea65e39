package dev.finetune4j.checkpoint.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeftAdapterTest {
    @TempDir
    Path tmp;

    @Test
    void savedKeysDropTheAdapterNameAndAddThePrefix() {
        assertEquals("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                PeftAdapter.savedKey("model.layers.0.self_attn.q_proj.lora_A.default.weight"));
        assertEquals("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
                PeftAdapter.savedKey("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"));
        assertEquals("base_model.model.model.layers.1.mlp.down_proj.lora_B.bias",
                PeftAdapter.savedKey("model.layers.1.mlp.down_proj.lora_B.bias"));
    }

    @Test
    void writesPeftLayoutAndReadsBack() throws Exception {
        PeftConfig cfg = PeftConfig.lora(8, 16, 0.05, List.of("q_proj", "v_proj"), "meta-llama/Llama-3.2-1B");
        LinkedHashMap<String, StoredTensor> t = new LinkedHashMap<>();
        t.put("model.layers.0.self_attn.q_proj.lora_A.default.weight", StoredTensor.ofFloats(new long[] {8, 4},
                new float[32]));
        t.put("model.layers.0.self_attn.q_proj.lora_B.default.weight", StoredTensor.ofFloats(new long[] {4, 8},
                new float[32]));
        Path dir = tmp.resolve("huggingface/ba10");
        PeftAdapter.write(dir, cfg, t, DType.BFLOAT16, null);
        String json = Files.readString(dir.resolve("adapter_config.json"));
        assertTrue(json.startsWith("{\n  \"alpha_pattern\": {},\n  \"auto_mapping\": null,\n"
                + "  \"base_model_name_or_path\": \"meta-llama/Llama-3.2-1B\",\n  \"bias\": \"none\",\n"), json);
        assertTrue(json.contains("\"lora_alpha\": 16,\n  \"lora_dropout\": 0.05,"), json);
        assertTrue(json.contains("\"target_modules\": [\n    \"q_proj\",\n    \"v_proj\"\n  ],"), json);
        SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"));
        assertEquals(Map.of("format", "pt"), f.metadata());
        assertEquals(DType.BFLOAT16, f.tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").dtype());
        PeftAdapter back = PeftAdapter.read(dir);
        assertEquals(cfg.r(), back.config().r());
        assertEquals(2.0, back.config().scaling());
        assertEquals(cfg.targetModules(), back.config().targetModules());
        assertEquals(2, back.tensors().size());
    }

    @Test
    void readIgnoresUnknownKeysAndKeepsThem() throws Exception {
        String json = "{\"peft_type\":\"LORA\",\"r\":4,\"lora_alpha\":8,\"target_modules\":\"all-linear\","
                + "\"use_qalora\":false,\"qalora_group_size\":16,\"runtime_config\":{\"x\":1},\"use_rslora\":true}";
        PeftConfig c = PeftConfig.fromJson(new ObjectMapper().readTree(json), "t");
        assertEquals(List.of("all-linear"), c.targetModules());
        assertEquals(8 / Math.sqrt(4), c.scaling());
        assertTrue(c.extra().has("qalora_group_size"));
        assertTrue(!c.extra().has("runtime_config") && !c.toJson().has("runtime_config"));
        assertThrows(CheckpointFormatException.class, () -> PeftConfig.fromJson(
                new ObjectMapper().readTree("{\"peft_type\":\"IA3\",\"r\":4}"), "t"));
    }
}
