package dev.finetune4j.engine.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ConfigException;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.TinyModels;
import dev.finetune4j.engine.model.TrainableParameter;
import dev.finetune4j.checkpoint.TensorSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LoraModelTest {

    private static final Batch BATCH = TinyModels.plain(TinyModels.randomIds(new Random(5), 10, 101),
            TinyModels.randomIds(new Random(6), 10, 101));

    private static LinkedHashMap<String, StoredTensor> baseWeights() {
        try (CausalLm base = CausalLm.random(TinyModels.llama(), ModelOptions.cpu())) {
            return base.stateDict(DType.FLOAT32);
        }
    }

    private static CausalLm withLora(LinkedHashMap<String, StoredTensor> weights, LoraOptions lora, boolean int8) {
        return CausalLm.fromWeights(TinyModels.llama(), TensorSource.of(weights),
                ModelOptions.cpu().withLora(lora).withInt8(int8));
    }

    /** Puts random values into every lora_B so the adapters change the function. */
    private static void perturbAdapters(CausalLm m) {
        Random rnd = new Random(9);
        LinkedHashMap<String, StoredTensor> sd = m.loraStateDict();
        LinkedHashMap<String, StoredTensor> changed = new LinkedHashMap<>();
        sd.forEach((k, t) -> {
            float[] v = t.toFloatArray();
            if (k.contains("lora_B")) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) rnd.nextGaussian() * 0.1f;
                }
            }
            changed.put(k, StoredTensor.ofFloats(t.shape(), v));
        });
        m.loadStateDict(changed, false);
    }

    @Test
    void zeroBEqualsBaseModelAndOnlyAdaptersTrain() {
        LinkedHashMap<String, StoredTensor> w = baseWeights();
        LoraOptions lora = LoraOptions.of(4, 8, 0.0, List.of("all-linear"));
        try (CausalLm base = CausalLm.fromWeights(TinyModels.llama(), TensorSource.of(w), ModelOptions.cpu());
             CausalLm adapted = withLora(w, lora, false); NDScope scope = new NDScope()) {
            assertArrayEquals(base.logits(BATCH, false).toFloatArray(), adapted.logits(BATCH, false).toFloatArray());
            List<TrainableParameter> params = adapted.trainableParameters();
            assertEquals(2 * 7 * 2, params.size());
            assertEquals("model.layers.0.self_attn.q_proj.lora_A.weight", params.get(0).name());
            assertEquals(TrainableParameter.Group.LORA_B, params.get(1).group());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(adapted.loss(BATCH, true).sum());
            }
            for (TrainableParameter p : params) {
                assertTrue(p.array().hasGradient(), p.name());
            }
        }
    }

    @Test
    void mergedEqualsUnmergedForward() {
        LinkedHashMap<String, StoredTensor> w = baseWeights();
        LoraOptions lora = new LoraOptions(4, 16, 0.0, List.of("q", "v", "down"), true, "default");
        try (CausalLm m = withLora(w, lora, false); NDScope scope = new NDScope()) {
            perturbAdapters(m);
            float[] unmerged = m.logits(BATCH, false).toFloatArray();
            // stateDict(merge) → fresh base model must equal the adapted model
            try (CausalLm merged = CausalLm.fromWeights(TinyModels.llama(), TensorSource.of(m.stateDict(DType.FLOAT32)),
                    ModelOptions.cpu())) {
                CausalLmAsserts.close(unmerged, merged.logits(BATCH, false).toFloatArray(), 1e-5);
            }
            assertTrue(m.loraStateDict().containsKey(
                    "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"));
            m.mergeLora();
            assertNull(m.lora());
            CausalLmAsserts.close(unmerged, m.logits(BATCH, false).toFloatArray(), 1e-5);
        }
    }

    @Test
    void int8BaseHoldsAQuarterOfTheBytesAndStaysClose() {
        LinkedHashMap<String, StoredTensor> w = baseWeights();
        LoraOptions lora = LoraOptions.of(2, 4, 0.0, null);
        try (CausalLm full = withLora(w, lora, false); CausalLm q = withLora(w, lora, true);
             NDScope scope = new NDScope()) {
            double ratio = (double) q.baseWeightBytes() / full.baseWeightBytes();
            // int8 weights + one fp32 scale per output row: 1/4 + 1/in_features of fp32 (in >= 32 here)
            assertTrue(ratio <= 0.25 + 1.0 / 32, "int8 base is " + ratio + " of fp32");
            float[] a = full.logits(BATCH, false).toFloatArray();
            float[] b = q.logits(BATCH, false).toFloatArray();
            double maxAbs = 0;
            double maxErr = 0;
            for (int i = 0; i < a.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(a[i]));
                maxErr = Math.max(maxErr, Math.abs(a[i] - b[i]));
            }
            assertTrue(maxErr < 0.05 * maxAbs, "int8 logits differ by " + maxErr + " (max |logit| " + maxAbs + ")");
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(q.loss(BATCH, true).sum());
            }
            for (TrainableParameter p : q.trainableParameters()) {
                assertTrue(p.array().hasGradient(), p.name());
            }
        }
    }

    @Test
    void adapterSaveAndLoadGivesSameLogits() {
        LinkedHashMap<String, StoredTensor> w = baseWeights();
        LoraOptions lora = LoraOptions.of(4, 8, 0.0, List.of("q_proj", "v_proj"));
        try (CausalLm a = withLora(w, lora, false); CausalLm b = withLora(w, lora, false);
             NDScope scope = new NDScope()) {
            perturbAdapters(a);
            b.loadStateDict(a.loraStateDict(), true);
            assertArrayEquals(a.logits(BATCH, false).toFloatArray(), b.logits(BATCH, false).toFloatArray());
        }
    }

    @Test
    void peftAdapterFolderRoundTrip(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        LinkedHashMap<String, StoredTensor> w = baseWeights();
        LoraOptions lora = new LoraOptions(4, 8, 0.05, List.of("q", "k", "v", "o"), true, "default");
        try (CausalLm a = withLora(w, lora, false); NDScope scope = new NDScope()) {
            perturbAdapters(a);
            java.nio.file.Path dir = tmp.resolve("adapter");
            dev.finetune4j.checkpoint.peft.PeftAdapter.write(dir, a.peftConfig("base"), a.loraStateDict());
            dev.finetune4j.checkpoint.peft.PeftAdapter adapter = dev.finetune4j.checkpoint.peft.PeftAdapter.read(dir);
            LoraOptions back = LoraOptions.fromPeft(adapter.config());
            assertEquals(lora, back);
            try (CausalLm b = withLora(w, back, false)) {
                b.loadAdapter(adapter);
                assertArrayEquals(a.logits(BATCH, false).toFloatArray(), b.logits(BATCH, false).toFloatArray());
            }
            try (CausalLm other = withLora(w, LoraOptions.of(2, 8, 0, List.of("q", "k", "v", "o")), false)) {
                assertThrows(dev.finetune4j.engine.model.StateDictException.class, () -> other.loadAdapter(adapter));
            }
        }
    }

    @Test
    void rejectsUnknownTargets() {
        // ("qkv" is Phi-3's qkv_proj now that the family is registered)
        ConfigException e = assertThrows(ConfigException.class, () -> LoraOptions.of(4, 8, 0, List.of("qkvo")));
        assertTrue(e.getMessage().contains("all-linear"), e.getMessage());
        assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                LoraOptions.of(4, 8, 0, List.of("all-linear")).targetModules());
        assertEquals(8.0 / Math.sqrt(4), new LoraOptions(4, 8, 0, null, true, null).scaling());
    }

    /** Shared float comparison. */
    static final class CausalLmAsserts {
        static void close(float[] want, float[] got, double tol) {
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), "element " + i);
            }
        }
    }

}
