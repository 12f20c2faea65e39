package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.hf.HfModelWriter;
import dev.finetune4j.checkpoint.hf.HfWriteOptions;
import dev.finetune4j.data.Batch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Save to a HF folder → load → same logits (fp32 exact; bf16 within bf16 rounding), incl. tied embeddings. */
class HfFolderRoundTripTest {

    @TempDir
    Path tmp;

    private static final Batch BATCH = TinyModels.plain(TinyModels.randomIds(new Random(12), 11, 101));

    private Path save(CausalLm m, DType dtype, String name) {
        LinkedHashMap<String, StoredTensor> sd = m.stateDict(dtype);
        Path dir = tmp.resolve(name);
        HfModelWriter.write(dir, m.config().toJson(), new ArrayList<>(sd.keySet()), sd::get,
                HfWriteOptions.defaults().withTiedLmHead(m.config().tieWordEmbeddings()));
        return dir;
    }

    @Test
    void fp32FolderRoundTripIsExact() {
        ObjectNode json = TinyModels.json("qwen2");
        json.put("tie_word_embeddings", true);
        ModelConfig c = ModelConfig.fromJson(json);
        try (CausalLm m = CausalLm.random(c, ModelOptions.cpu()); NDScope scope = new NDScope()) {
            assertFalse(m.stateDict(DType.FLOAT32).containsKey("lm_head.weight"));
            Path dir = save(m, DType.FLOAT32, "fp32");
            try (HfModelFolder f = HfModelFolder.open(dir); CausalLm back = CausalLm.load(f, ModelOptions.cpu())) {
                assertEquals(c, back.config());
                assertArrayEquals(m.logits(BATCH, false).toFloatArray(), back.logits(BATCH, false).toFloatArray());
            }
        }
    }

    @Test
    void bf16FolderLoadsIntoFp32Masters() {
        try (CausalLm m = CausalLm.random(TinyModels.llama(), ModelOptions.cpu()); NDScope scope = new NDScope()) {
            Path dir = save(m, DType.BFLOAT16, "bf16");
            try (HfModelFolder f = HfModelFolder.open(dir); CausalLm back = CausalLm.load(f, ModelOptions.cpu())) {
                assertEquals(DType.BFLOAT16, f.tensor("model.norm.weight").dtype());
                // the loaded fp32 weights are exactly the bf16-rounded originals
                StoredTensor orig = m.stateDict(DType.BFLOAT16).get("model.layers.0.mlp.up_proj.weight");
                StoredTensor got = back.stateDict(DType.FLOAT32).get("model.layers.0.mlp.up_proj.weight");
                assertArrayEquals(orig.toFloatArray(), got.toFloatArray());
                float[] a = m.logits(BATCH, false).toFloatArray();
                float[] b = back.logits(BATCH, false).toFloatArray();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 0.05 + 0.02 * Math.abs(a[i]), "logit " + i);
                }
            }
        }
    }

    @Test
    void missingOrMisShapedTensorsAreNamed() {
        try (CausalLm m = CausalLm.random(TinyModels.llama(), ModelOptions.cpu())) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
            sd.remove("model.layers.1.self_attn.k_proj.weight");
            StateDictException e = assertThrows(StateDictException.class,
                    () -> CausalLm.fromWeights(m.config(), TensorSource.of(sd), ModelOptions.cpu()));
            assertTrue(e.getMessage().contains("model.layers.1.self_attn.k_proj.weight"), e.getMessage());
            LinkedHashMap<String, StoredTensor> sd2 = m.stateDict(DType.FLOAT32);
            sd2.put("model.norm.weight", StoredTensor.ofFloats(new long[] {3}, new float[3]));
            e = assertThrows(StateDictException.class,
                    () -> CausalLm.fromWeights(m.config(), TensorSource.of(sd2), ModelOptions.cpu()));
            assertTrue(e.getMessage().contains("model.norm.weight") && e.getMessage().contains("[32]"), e.getMessage());
        }
    }
}
