package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.hf.HfModelWriter;
import dev.finetune4j.checkpoint.hf.HfWriteOptions;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.lora.LoraOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phi-3 as a trainable model: fused qkv_proj/gate_up_proj trained, LoRA-adapted and exported under their own names,
 * int8 fused weights, a HF folder round trip, and config.json validation (docs/models.md §10).
 */
class Phi3ModelTest {

    @TempDir
    Path tmp;

    /** A tiny Phi-3 with longrope (original context 16), a sliding window and GQA. */
    static ObjectNode json() {
        ObjectNode o = TinyModels.json("phi3");
        o.putArray("architectures").add("Phi3ForCausalLM");
        o.put("original_max_position_embeddings", 16);
        o.put("sliding_window", 6);
        ObjectNode s = o.putObject("rope_scaling");
        s.put("type", "longrope");
        List.of(1.0, 1.1, 1.3, 1.6).forEach(s.putArray("short_factor")::add);
        List.of(2.0, 3.0, 5.0, 9.0).forEach(s.putArray("long_factor")::add);
        return o;
    }

    static ModelConfig config() {
        return ModelConfig.fromJson(json());
    }

    /** One document beyond the original context (long factors) and two short ones packed (short factors). */
    private static final Batch LONG = TinyModels.plain(TinyModels.randomIds(new Random(40), 20, 101));
    private static final Batch SHORT = TinyModels.packed(2, TinyModels.randomIds(new Random(41), 9, 101),
            TinyModels.randomIds(new Random(42), 7, 101));

    private static LinkedHashMap<String, StoredTensor> baseWeights() {
        try (CausalLm base = CausalLm.random(config(), ModelOptions.cpu())) {
            return base.stateDict(DType.FLOAT32);
        }
    }

    @Test
    void fusedProjectionsAreLoadedUnderTheirOwnNames() {
        LinkedHashMap<String, StoredTensor> w = baseWeights();
        assertArrayEquals(new long[] {(4 + 2 * 2) * 8, 32}, w.get("model.layers.0.self_attn.qkv_proj.weight").shape());
        assertArrayEquals(new long[] {2 * 64, 32}, w.get("model.layers.1.mlp.gate_up_proj.weight").shape());
        assertTrue(w.containsKey("model.layers.0.self_attn.o_proj.weight"));
        assertTrue(w.containsKey("model.layers.0.mlp.down_proj.weight"));
        for (String name : w.keySet()) {
            assertFalse(name.matches(".*\\.(q|k|v|gate|up)_proj\\..*"), name);
        }
        try (CausalLm m = CausalLm.random(config(), ModelOptions.cpu())) {
            assertEquals(101 * 32 * 2 + 2 * (32 + 32 + 64 * 32 + 32 * 32 + 128 * 32 + 32 * 64) + 32,
                    m.parameterCount());
        }
        // config.json against the fused weights' shapes: the key and the tensor are named
        ObjectNode moreKv = json();
        moreKv.put("num_key_value_heads", 4);
        ConfigException ce = assertThrows(ConfigException.class, () -> CausalLm.fromWeights(
                ModelConfig.fromJson(moreKv), TensorSource.of(w), ModelOptions.cpu()));
        assertTrue(ce.getMessage().contains("(num_attention_heads + 2 × num_key_value_heads) × head_dim gives 96")
                && ce.getMessage().contains("model.layers.0.self_attn.qkv_proj.weight"), ce.getMessage());
        ObjectNode wider = json();
        wider.put("intermediate_size", 80);
        ce = assertThrows(ConfigException.class, () -> CausalLm.fromWeights(ModelConfig.fromJson(wider),
                TensorSource.of(w), ModelOptions.cpu()));
        assertTrue(ce.getMessage().contains("2 × intermediate_size gives 160"), ce.getMessage());
        // a Llama-style checkpoint is refused with the tensor named
        w.put("model.layers.0.self_attn.q_proj.weight", StoredTensor.ofFloats(new long[] {32, 32}, new float[1024]));
        StateDictException e = assertThrows(StateDictException.class,
                () -> CausalLm.fromWeights(config(), TensorSource.of(w), ModelOptions.cpu()));
        assertTrue(e.getMessage().contains("model.layers.0.self_attn.q_proj.weight"), e.getMessage());
    }

    @Test
    void registryListsTheFusedProjectionsInHfOrderWithRolesTargetsAndInt8Storage() {
        dev.finetune4j.engine.model.arch.ParameterRegistry r = dev.finetune4j.engine.model.arch.ParameterRegistry.of(
                config(), dev.finetune4j.engine.model.arch.Storage.FP32, true, false);
        List<String> want = new ArrayList<>(List.of("model.embed_tokens.weight"));
        for (int i = 0; i < 2; i++) {
            for (String m : List.of("input_layernorm", "self_attn.qkv_proj", "self_attn.o_proj",
                    "post_attention_layernorm", "mlp.gate_up_proj", "mlp.down_proj")) {
                want.add("model.layers." + i + "." + m + ".weight");
            }
        }
        want.addAll(List.of("model.norm.weight", "lm_head.weight"));
        assertEquals(want, r.entries().stream().map(dev.finetune4j.engine.model.arch.ParameterEntry::hfName).toList());
        var qkv = r.get("model.layers.1.self_attn.qkv_proj.weight");
        assertEquals(dev.finetune4j.engine.model.arch.Part.QKV, qkv.part());
        assertEquals(dev.finetune4j.engine.model.arch.ParamRole.ATTN_PROJECTION, qkv.role());
        assertEquals("qkv_proj", qkv.loraTarget());
        assertEquals(dev.finetune4j.engine.model.arch.Storage.INT8, qkv.storage());
        var gateUp = r.get("model.layers.0.mlp.gate_up_proj.weight");
        assertEquals(dev.finetune4j.engine.model.arch.ParamRole.MLP_PROJECTION, gateUp.role());
        assertEquals("gate_up_proj", gateUp.loraTarget());
        assertArrayEquals(new long[] {128, 32}, gateUp.shape());
        assertEquals(4 * 2, r.loraTargets(List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj")).size());
    }

    @Test
    void zeroBEqualsBaseAndTheFusedAdaptersTrain() {
        LinkedHashMap<String, StoredTensor> w = baseWeights();
        LoraOptions lora = LoraOptions.of(4, 8, 0.0, List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj"));
        try (CausalLm base = CausalLm.fromWeights(config(), TensorSource.of(w), ModelOptions.cpu());
             CausalLm adapted = CausalLm.fromWeights(config(), TensorSource.of(w), ModelOptions.cpu().withLora(lora));
             NDScope scope = new NDScope()) {
            for (Batch b : List.of(LONG, SHORT)) {
                assertArrayEquals(base.logits(b, false).toFloatArray(), adapted.logits(b, false).toFloatArray());
            }
            List<TrainableParameter> params = adapted.trainableParameters();
            assertEquals(2 * 4 * 2, params.size());
            assertEquals("model.layers.0.self_attn.qkv_proj.lora_A.weight", params.get(0).name());
            assertArrayEquals(new long[] {(4 + 2 * 2) * 8, 4}, params.get(1).array().getShape().getShape());
            assertEquals("model.layers.0.mlp.gate_up_proj.lora_A.weight", params.get(4).name());
            assertTrue(adapted.loraStateDict().containsKey(
                    "base_model.model.model.layers.1.self_attn.qkv_proj.lora_B.weight"));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(adapted.loss(LONG, true).sum());
            }
            for (TrainableParameter p : params) {
                assertTrue(p.array().hasGradient(), p.name());
            }
        }
    }

    /** Random lora_B so that the adapters change the function. */
    private static void perturbAdapters(CausalLm m) {
        Random rnd = new Random(43);
        LinkedHashMap<String, StoredTensor> changed = new LinkedHashMap<>();
        m.loraStateDict().forEach((k, t) -> {
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
    void fusedLoraMergeEqualsUnmergedWithFp32AndInt8Bases() {
        LinkedHashMap<String, StoredTensor> w = baseWeights();
        LoraOptions lora = LoraOptions.of(4, 16, 0.0, List.of("all-linear"));
        for (boolean int8 : new boolean[] {false, true}) {
            try (CausalLm m = CausalLm.fromWeights(config(), TensorSource.of(w),
                    ModelOptions.cpu().withLora(lora).withInt8(int8)); NDScope scope = new NDScope()) {
                perturbAdapters(m);
                float[] unmerged = m.logits(LONG, false).toFloatArray();
                // the exported (merged) weights reload as a plain model with the same function
                try (CausalLm merged = CausalLm.fromWeights(config(), TensorSource.of(m.stateDict(DType.FLOAT32)),
                        ModelOptions.cpu())) {
                    CausalLmTest.assertClose(unmerged, merged.logits(LONG, false).toFloatArray(), 1e-5);
                }
                m.mergeLora();
                assertNull(m.lora());
                CausalLmTest.assertClose(unmerged, m.logits(LONG, false).toFloatArray(), 1e-5);
            }
        }
    }

    @Test
    void int8FusedWeightsStayCloseAndTrainAdapters() {
        LinkedHashMap<String, StoredTensor> w = baseWeights();
        LoraOptions lora = LoraOptions.of(2, 4, 0.0, List.of("qkv_proj", "gate_up_proj"));
        try (CausalLm full = CausalLm.fromWeights(config(), TensorSource.of(w), ModelOptions.cpu().withLora(lora));
             CausalLm q = CausalLm.fromWeights(config(), TensorSource.of(w),
                     ModelOptions.cpu().withLora(lora).withInt8(true)); NDScope scope = new NDScope()) {
            double ratio = (double) q.baseWeightBytes() / full.baseWeightBytes();
            assertTrue(ratio <= 0.25 + 1.0 / 32, "int8 base is " + ratio + " of fp32");
            float[] a = full.logits(SHORT, false).toFloatArray();
            float[] b = q.logits(SHORT, false).toFloatArray();
            double maxAbs = 0;
            double maxErr = 0;
            for (int i = 0; i < a.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(a[i]));
                maxErr = Math.max(maxErr, Math.abs(a[i] - b[i]));
            }
            assertTrue(maxErr > 0 && maxErr < 0.05 * maxAbs, "int8 logits differ by " + maxErr + " of " + maxAbs);
            // the int8 state dict dequantizes under the fused names
            assertArrayEquals(new long[] {64, 32}, q.stateDict(DType.FLOAT32)
                    .get("model.layers.0.self_attn.qkv_proj.weight").shape());
        }
    }

    /** Gradients of every trainable tensor after a backward (float64). */
    private static java.util.Map<String, double[]> grads(CausalLm m) {
        java.util.Map<String, double[]> out = new java.util.LinkedHashMap<>();
        for (TrainableParameter p : m.trainableParameters()) {
            out.put(p.name(), p.array().getGradient().toDoubleArray());
            ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p.array());
        }
        return out;
    }

    @Test
    void checkpointedLayerwiseBackwardEqualsAutogradThroughFusedProjectionsAndPartialLongrope() {
        ObjectNode j = json();
        j.put("partial_rotary_factor", 0.5);
        ObjectNode s = (ObjectNode) j.get("rope_scaling");
        List.of(1.0, 1.2).forEach(s.putArray("short_factor")::add);
        List.of(3.0, 7.0).forEach(s.putArray("long_factor")::add);
        try (CausalLm m = CausalLm.random(ModelConfig.fromJson(j), ModelOptions.cpu().withPrecision(Precision.FP64))) {
            for (Batch b : List.of(LONG, SHORT)) {
                double want;
                try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    StepLoss l = m.loss(b, true);
                    want = l.sum().getDouble();
                    gc.backward(l.sum().mul(0.25));
                }
                java.util.Map<String, double[]> ref = grads(m);
                double got;
                try (NDScope scope = new NDScope()) {
                    got = m.forwardBackward(b, 0.25, new BackwardOptions(true, 42), null);
                }
                assertEquals(want, got, 1e-9 * Math.abs(want));
                java.util.Map<String, double[]> layerwise = grads(m);
                assertEquals(ref.keySet(), layerwise.keySet());
                ref.forEach((name, g) -> {
                    double[] h = layerwise.get(name);
                    for (int i = 0; i < g.length; i++) {
                        assertEquals(g[i], h[i], 1e-10 * (1 + Math.abs(g[i])), name + " element " + i);
                    }
                });
            }
        }
    }

    @Test
    void float64GradientsMatchFiniteDifferencesThroughFusedProjectionsAndLongFactors() {
        // a packed row of the long document (long factors, attention factor, sliding window): every tensor probed
        try (CausalLm m = CausalLm.random(config(), ModelOptions.cpu().withPrecision(Precision.FP64))) {
            GradientCheckTest.check(m, TinyModels.packed(2, TinyModels.randomIds(new Random(44), 18, 101)), 1);
        }
    }

    @Test
    void trainingLowersTheLoss() {
        try (CausalLm model = CausalLm.random(config(), ModelOptions.cpu())) {
            double ratio = TrainStepExampleTest.trainSteps(model, LONG, 12);
            assertTrue(ratio < 0.8, "loss ratio last/first " + ratio);
        }
    }

    @Test
    void hfFolderHasTheFusedNamesAndReloadsToTheSameLogits() throws Exception {
        ObjectNode j = json();
        j.put("partial_rotary_factor", 0.5);
        j.put("tie_word_embeddings", true);
        ObjectNode s = (ObjectNode) j.get("rope_scaling");
        s.remove(List.of("short_factor", "long_factor"));
        List.of(1.0, 1.2).forEach(s.putArray("short_factor")::add);
        List.of(3.0, 7.0).forEach(s.putArray("long_factor")::add);
        s.put("attention_factor", 1.1);
        for (ModelConfig c : List.of(config(), ModelConfig.fromJson(j))) {
            try (CausalLm m = CausalLm.random(c, ModelOptions.cpu()); NDScope scope = new NDScope()) {
                LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
                Path dir = tmp.resolve("phi3-" + c.family().partialRotaryFactor());
                HfModelWriter.write(dir, c.toJson(), new ArrayList<>(sd.keySet()), sd::get,
                        HfWriteOptions.defaults().withTiedLmHead(c.tieWordEmbeddings()));
                try (HfModelFolder f = HfModelFolder.open(dir); CausalLm back = CausalLm.load(f, ModelOptions.cpu())) {
                    assertTrue(f.names().contains("model.layers.1.self_attn.qkv_proj.weight"), f.names().toString());
                    assertTrue(f.names().contains("model.layers.1.mlp.gate_up_proj.weight"));
                    ObjectNode written = f.config();
                    assertEquals("Phi3ForCausalLM", written.get("architectures").get(0).asText());
                    assertEquals(16, written.get("original_max_position_embeddings").asInt());
                    assertEquals("longrope", written.get("rope_scaling").get("type").asText());
                    assertEquals(c, back.config());
                    for (Batch b : List.of(LONG, SHORT)) {
                        assertArrayEquals(m.logits(b, false).toFloatArray(), back.logits(b, false).toFloatArray());
                    }
                }
            }
        }
    }

    @Test
    void configRefusalsNameTheKeyTheValueAndWhatIsAllowed() {
        ObjectNode shortList = json();
        ((ObjectNode) shortList.get("rope_scaling")).putArray("short_factor").add(1.0).add(1.0).add(1.0);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(shortList));
        assertEquals("config.json rope_scaling.short_factor has 3 entries; allowed: exactly 4 (one per rotated "
                + "frequency: head_dim × partial_rotary_factor = 8, divided by 2)", e.getMessage());
        ObjectNode partial = json();
        partial.put("partial_rotary_factor", 0.5);           // 4 rotated features: the lists must have 2 entries
        e = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(partial));
        assertTrue(e.getMessage().contains("has 4 entries; allowed: exactly 2"), e.getMessage());
        ObjectNode badFactor = json();
        badFactor.put("partial_rotary_factor", 1.5);
        e = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(badFactor));
        assertTrue(e.getMessage().startsWith("config.json partial_rotary_factor = 1.5 is out of range"),
                e.getMessage());
        ObjectNode odd = json();
        odd.put("partial_rotary_factor", 0.25);              // int(8 × 0.25) = 2 is fine, 0.375 gives 3: refused
        odd.put("partial_rotary_factor", 0.375);
        e = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(odd));
        assertTrue(e.getMessage().contains("= 3 rotated features"), e.getMessage());
        ObjectNode bias = json();
        bias.put("attention_bias", true);
        e = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(bias));
        assertTrue(e.getMessage().startsWith("config.json attention_bias = true is not supported for model_type "
                + "phi3"), e.getMessage());
        ObjectNode dynamic = json();
        ((ObjectNode) dynamic.get("rope_scaling")).put("type", "dynamic");
        e = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(dynamic));
        assertTrue(e.getMessage().contains("rope_scaling.rope_type 'dynamic' is not supported for model_type phi3"),
                e.getMessage());
        ObjectNode drop = json();
        drop.put("resid_pdrop", 1.0);
        e = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(drop));
        assertTrue(e.getMessage().startsWith("config.json resid_pdrop = 1.0 is out of range"), e.getMessage());
        // the older spellings su and yarn mean longrope in a Phi-3 config, as in HF's Phi3Config
        for (String spelling : List.of("su", "yarn")) {
            ObjectNode old = json();
            ((ObjectNode) old.get("rope_scaling")).put("type", spelling);
            assertEquals(RopeScaling.LONGROPE, ModelConfig.fromJson(old).ropeScaling().type());
        }
    }

    @Test
    void bf16ComputeStaysCloseToFp32WithPartialLongrope() {
        ObjectNode j = json();
        j.put("partial_rotary_factor", 0.5);
        ObjectNode s = (ObjectNode) j.get("rope_scaling");
        List.of(1.0, 1.2).forEach(s.putArray("short_factor")::add);
        List.of(3.0, 7.0).forEach(s.putArray("long_factor")::add);
        ModelConfig c = ModelConfig.fromJson(j);
        try (CausalLm m = CausalLm.random(c, ModelOptions.cpu()); NDScope scope = new NDScope();
             CausalLm b = CausalLm.fromWeights(c, TensorSource.of(m.stateDict(DType.FLOAT32)),
                     ModelOptions.cpu().withPrecision(Precision.BF16))) {
            for (Batch batch : List.of(LONG, SHORT)) {
                float[] full = m.logits(batch, false).toFloatArray();
                float[] half = b.logits(batch, false).toFloatArray();
                double maxAbs = 0;
                double maxErr = 0;
                for (int i = 0; i < full.length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(full[i]));
                    maxErr = Math.max(maxErr, Math.abs(full[i] - half[i]));
                }
                assertTrue(maxErr > 0 && maxErr < 0.03 * maxAbs, "bf16 logits differ by " + maxErr + " of " + maxAbs);
            }
        }
    }

    @Test
    void hfDefaultsOfAPhi3Config() {
        ObjectNode o = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        o.put("model_type", "phi3");
        ModelConfig c = ModelConfig.fromJson(o);
        assertEquals(32064, c.vocabSize());
        assertEquals(3072, c.hiddenSize());
        assertEquals(8192, c.intermediateSize());
        assertEquals(32, c.numKeyValueHeads());
        assertEquals(4096, c.maxPositionEmbeddings());
        assertEquals(4096, c.toJson().get("original_max_position_embeddings").asInt());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(32000, c.padTokenId());
        assertEquals(List.of(32000), c.eosTokenIds());
        assertEquals(0, c.slidingWindow());
        assertNull(c.ropeScaling());
        // what exports and Composer's integrations name as the model class
        assertEquals("transformers.models.phi3.modeling_phi3.Phi3ForCausalLM", c.spec().hfClass());
        assertEquals(List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj"), c.spec().loraTargets());
        // no target_modules: PEFT's phi3 default (all four); Llama-only names are refused with the allowed ones
        assertEquals(java.util.Set.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj"),
                java.util.Set.copyOf(LoraOptions.of(4, 8, 0.0, null).forFamily(c.spec()).targetModules()));
        ConfigException e = assertThrows(ConfigException.class,
                () -> LoraOptions.of(4, 8, 0.0, List.of("k_proj")).forFamily(c.spec()));
        assertTrue(e.getMessage().contains("qkv_proj, o_proj, gate_up_proj, down_proj"), e.getMessage());
    }
}
