package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.hf.HfModelWriter;
import dev.finetune4j.checkpoint.hf.HfWriteOptions;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.arch.ParamRole;
import dev.finetune4j.engine.model.arch.ParameterEntry;
import dev.finetune4j.engine.model.arch.ParameterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemma 2 against the independent float64 reference of HF's modeling_gemma2 ({@code fixtures/hf-parity/gemma2},
 * made by {@code generate_gemma2.py}): every family feature is on in the fixture (soft-caps small enough that tanh
 * bends, a sliding window shorter than the documents on the even layers, {@code query_pre_attn_scalar} ≠ head_dim,
 * head_dim ≠ hidden/heads, tied embeddings). Packed rows, the KV cache, the chunked loss, LoRA, merging and the HF
 * folder round trip must all compute that same function.
 */
class Gemma2ModelTest {

    @TempDir
    Path tmp;


    /** The fixture: config, weights, documents and the reference logits of each document run alone. */
    private record Fixture(ModelConfig config, LinkedHashMap<String, StoredTensor> weights, int[][] docs,
                           List<double[]> logits) {
    }

    private static Fixture fixture() throws IOException {
        ParityFixture p = ParityFixture.load("gemma2");
        return new Fixture(p.config(), p.weights(), p.docs(), p.logits());
    }

    private static CausalLm model(Fixture f, ModelOptions o) {
        return CausalLm.fromWeights(f.config(), TensorSource.of(f.weights()), o);
    }

    private static double[] doubles(NDArray x) {
        return x.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    static void assertClose(double[] want, double[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), what + " element " + i);
        }
    }

    @Test
    void configHasEveryGemma2Feature() throws IOException {
        ModelConfig c = fixture().config();
        assertEquals("gemma2", c.modelType());
        assertEquals(3, c.slidingWindowFor(0));
        assertEquals(0, c.slidingWindowFor(1));
        assertEquals(3, c.slidingWindowFor(2));
        assertEquals(1 / Math.sqrt(12), c.attentionScale(), 1e-15);
        assertEquals(1.5, c.family().attnLogitSoftcapping());
        assertEquals(2.0, c.family().finalLogitSoftcapping());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(8, c.headDim());
        assertEquals(c, ModelConfig.fromJson(c.toJson()), "config.json written back reads the same");
        // the registry: HF names and order of the fixture, four norms per layer, lm_head tied, q..down adaptable
        ParameterRegistry r = ParameterRegistry.of(c);
        assertEquals(new ArrayList<>(fixture().weights().keySet()),
                r.entries().stream().map(ParameterEntry::hfName).toList());
        assertEquals(3 * 4 + 1, r.entries().stream().filter(e -> e.role() == ParamRole.NORM).count());
        assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                c.spec().loraTargets());
        long elements = 0;
        for (StoredTensor t : fixture().weights().values()) {
            elements += StoredTensor.numel(t.shape());
        }
        assertEquals(elements, r.count());
    }

    @Test
    void packedLogitsMatchTheReferenceInFp64AndFp32() throws IOException {
        Fixture f = fixture();
        int v = f.config().vocabSize();
        for (Precision p : new Precision[] {Precision.FP64, Precision.FP32}) {
            double tol = p == Precision.FP64 ? 1e-10 : 1e-5;
            try (CausalLm m = model(f, ModelOptions.cpu().withPrecision(p)); NDScope scope = new NDScope()) {
                // all documents packed into one row (window 3 < every document) followed by 2 padding positions
                NDArray packed = m.logits(TinyModels.packed(2, f.docs()), false);
                int start = 0;
                for (int d = 0; d < f.docs().length; d++) {
                    int len = f.docs()[d].length;
                    assertClose(f.logits().get(d), doubles(packed.get(new NDIndex("0, {}:{}", start, start + len))),
                            tol, p + " packed document " + d);
                    // the same document alone in a plain row (no mask on the full-attention layers)
                    assertClose(f.logits().get(d), doubles(m.logits(TinyModels.plain(f.docs()[d]), false)
                            .get(new NDIndex("0"))), tol, p + " document " + d + " alone");
                    start += len;
                }
                assertEquals(f.docs().length, f.logits().size());
                assertTrue(v > 0);
            }
        }
    }

    @Test
    void bf16ComputeAndInt8BaseStayCloseToTheReference() throws IOException {
        Fixture f = fixture();
        Batch batch = TinyModels.packed(2, f.docs());
        for (ModelOptions o : List.of(ModelOptions.cpu().withPrecision(Precision.BF16),
                ModelOptions.cpu().withLora(LoraOptions.of(2, 4, 0.0, List.of("all-linear"))).withInt8(true))) {
            try (CausalLm m = model(f, o); NDScope scope = new NDScope()) {
                double[] got = doubles(m.logits(batch, false));
                int start = 0;
                double maxErr = 0;
                for (int d = 0; d < f.docs().length; d++) {
                    double[] want = f.logits().get(d);
                    for (int i = 0; i < want.length; i++) {
                        maxErr = Math.max(maxErr, Math.abs(want[i] - got[start * f.config().vocabSize() + i]));
                    }
                    start += f.docs()[d].length;
                }
                // logits are capped to ±2; this fixture's weights are large (std 0.4) on 16-wide rows, so int8's
                // per-row steps (max|row|/127) move logits more than bf16's 8-bit mantissas do
                double tol = o.int8() ? 0.2 : 0.1;
                assertTrue(maxErr < tol, o + ": max |logit error| " + maxErr);
                assertTrue(maxErr > 0, "a lower precision differs somewhere");
            }
        }
    }

    @Test
    void generationWithTheKvCacheEqualsFullRecompute() throws IOException {
        Fixture f = fixture();
        int v = f.config().vocabSize();
        int[] doc = f.docs()[2];   // 9 tokens: the cache grows past the window of 3
        try (CausalLm m = model(f, ModelOptions.cpu().withPrecision(Precision.FP64)); NDScope scope = new NDScope();
             KvCache cache = m.newCache()) {
            double[] want = f.logits().get(2);
            // a prompt of 4 at once, then one token at a time
            double[] first = doubles(m.nextTokenLogits(Arrays.copyOf(doc, 4), cache));
            assertClose(Arrays.copyOfRange(want, 3 * v, 4 * v), first, 1e-10, "prefill last position");
            for (int t = 4; t < doc.length; t++) {
                double[] got = doubles(m.nextTokenLogits(new int[] {doc[t]}, cache));
                assertClose(Arrays.copyOfRange(want, t * v, (t + 1) * v), got, 1e-10, "cached position " + t);
            }
        }
    }

    /** Cross-entropy of full logits (already soft-capped by the model) against the shifted labels, in float64. */
    private static double fullLogitLoss(NDArray logits, Batch b) {
        double[] lg = doubles(logits);
        int v = (int) logits.getShape().get(2);
        double sum = 0;
        for (int r = 0; r < b.rows(); r++) {
            for (int t = 0; t + 1 < b.seqLen(); t++) {
                int y = b.labels()[r * b.seqLen() + t + 1];
                if (y == Batch.IGNORE_INDEX) {
                    continue;
                }
                int base = (r * b.seqLen() + t) * v;
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < v; c++) {
                    max = Math.max(max, lg[base + c]);
                }
                double z = 0;
                for (int c = 0; c < v; c++) {
                    z += Math.exp(lg[base + c] - max);
                }
                sum += max + Math.log(z) - lg[base + y];
            }
        }
        return sum;
    }

    @Test
    void chunkedLossEqualsTheFullLogitLossWithTheFinalSoftcap() throws IOException {
        Fixture f = fixture();
        Batch batch = TinyModels.packed(3, f.docs());
        long saved = LossChunking.chunkLogitsBytes;
        LossChunking.chunkLogitsBytes = 4L * f.config().vocabSize() * 5;   // 5 tokens per chunk: several chunks
        try (CausalLm m = model(f, ModelOptions.cpu().withPrecision(Precision.FP64)); NDScope scope = new NDScope()) {
            double full = fullLogitLoss(m.logits(batch, false), batch);
            assertEquals(full, m.loss(batch, false).sum().toDoubleArray()[0], 1e-10 * full, "chunked, no grad");
            // the reference logits give the same number: the chunked path caps like the model's logits
            double fromReference = 0;
            int start = 0;
            for (int d = 0; d < f.docs().length; d++) {
                int len = f.docs()[d].length;
                NDArray ref = m.manager().create(f.logits().get(d), new Shape(1, len, f.config().vocabSize()));
                fromReference += fullLogitLoss(ref, TinyModels.plain(f.docs()[d]));
                start += len;
            }
            assertEquals(fromReference, full, 1e-9 * full);
            // with grad mode the surrogate's gradient equals the gradient through the full soft-capped logits
            List<TrainableParameter> params = m.trainableParameters();
            double[] chunked;
            double[] direct;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(m.loss(batch, true).sum());
            }
            chunked = doubles(params.get(1).array().getGradient());
            for (TrainableParameter p : params) {
                p.array().getGradient().subi(p.array().getGradient());
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray labels = m.manager().create(CausalLm.toLongs(batch.labels()),
                        new Shape(batch.rows(), batch.seqLen()));
                gc.backward(KernelLibrary.on(m.device()).crossEntropySum(m.logits(batch, true), labels));
            }
            direct = doubles(params.get(1).array().getGradient());
            assertClose(direct, chunked, 1e-9, "gradient of " + params.get(1).name());
            // layer by layer (the training loop's path) gives the same loss
            try (NDScope inner = new NDScope()) {
                double layerwise = m.forwardBackward(batch, 1.0, new BackwardOptions(true, 0), null);
                assertEquals(full, layerwise, 1e-10 * full, "forwardBackward");
            }
        } finally {
            LossChunking.chunkLogitsBytes = saved;
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesThroughEveryFeature() throws IOException {
        // float64, a packed row (document longer than the window, then padding), caps that bend: every tensor probed
        Fixture f = fixture();
        try (CausalLm m = model(f, ModelOptions.cpu().withPrecision(Precision.FP64))) {
            GradientCheckTest.check(m, TinyModels.packed(2, f.docs()[0]), 1);
        }
    }

    @Test
    void loraWithZeroBEqualsBaseAndMergedEqualsUnmerged() throws IOException {
        Fixture f = fixture();
        Batch batch = TinyModels.packed(1, f.docs());
        LoraOptions lora = LoraOptions.of(2, 4, 0.0, List.of("all-linear"));
        try (CausalLm base = model(f, ModelOptions.cpu().withPrecision(Precision.FP64));
             CausalLm adapted = model(f, ModelOptions.cpu().withPrecision(Precision.FP64).withLora(lora));
             NDScope scope = new NDScope()) {
            double[] want = doubles(base.logits(batch, false));
            assertArrayEquals(want, doubles(adapted.logits(batch, false)), "B = 0: the base model");
            assertEquals(3 * 7 * 2, adapted.trainableParameters().size(), "q,k,v,o,gate,up,down in 3 layers");
            Random rnd = new Random(4);
            LinkedHashMap<String, StoredTensor> changed = new LinkedHashMap<>();
            adapted.loraStateDict().forEach((k, t) -> {
                float[] v = t.toFloatArray();
                for (int i = 0; k.contains("lora_B") && i < v.length; i++) {
                    v[i] = (float) rnd.nextGaussian() * 0.2f;
                }
                changed.put(k, StoredTensor.ofFloats(t.shape(), v));
            });
            adapted.loadStateDict(changed, false);
            double[] unmerged = doubles(adapted.logits(batch, false));
            assertFalse(Arrays.equals(want, unmerged), "the adapters change the function");
            try (CausalLm merged = CausalLm.fromWeights(f.config(), TensorSource.of(adapted.stateDict(DType.FLOAT32)),
                    ModelOptions.cpu().withPrecision(Precision.FP64))) {
                assertClose(unmerged, doubles(merged.logits(batch, false)), 1e-6, "stateDict with merged adapters");
            }
            adapted.mergeLora();
            assertClose(unmerged, doubles(adapted.logits(batch, false)), 1e-10, "mergeLora");
        }
    }

    @Test
    void hfFolderRoundTripGivesTheSameLogits() throws IOException {
        Fixture f = fixture();
        Batch batch = TinyModels.packed(0, f.docs());
        try (CausalLm m = model(f, ModelOptions.cpu()); NDScope scope = new NDScope()) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
            assertEquals(f.weights().keySet(), sd.keySet(), "HF names and order, lm_head tied");
            Path dir = tmp.resolve("gemma2");
            HfModelWriter.write(dir, m.config().toJson(), new ArrayList<>(sd.keySet()), sd::get,
                    HfWriteOptions.defaults().withTiedLmHead(true));
            try (HfModelFolder folder = HfModelFolder.open(dir); CausalLm back = CausalLm.load(folder,
                    ModelOptions.cpu())) {
                assertEquals(m.config(), back.config());
                assertEquals("Gemma2ForCausalLM", folder.config().get("architectures").get(0).asText());
                assertArrayEquals(m.logits(batch, false).toFloatArray(), back.logits(batch, false).toFloatArray());
            }
        }
    }

    @Test
    void aRandomModelTrainsAndItsNormsStartAtZero() {
        ObjectNode json = TinyModels.json("gemma2");
        json.put("head_dim", 16);
        json.put("query_pre_attn_scalar", 16);
        json.put("sliding_window", 4);
        json.put("attn_logit_softcapping", 5.0);
        json.put("final_logit_softcapping", 3.0);
        ModelConfig c = ModelConfig.fromJson(json);
        Batch batch = TinyModels.plain(TinyModels.randomIds(new Random(8), 12, 101));
        try (CausalLm m = CausalLm.random(c, ModelOptions.cpu())) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
            for (String norm : List.of("model.norm.weight", "model.layers.1.pre_feedforward_layernorm.weight",
                    "model.layers.0.post_attention_layernorm.weight",
                    "model.layers.1.post_feedforward_layernorm.weight")) {
                for (float x : sd.get(norm).toFloatArray()) {
                    assertEquals(0f, x, 0f, norm + ": HF initialises Gemma's (1 + w) norms to zeros");
                }
            }
            List<TrainableParameter> params = m.trainableParameters();
            double first = 0;
            double last = 0;
            for (int step = 0; step < 8; step++) {
                double loss;
                try (NDScope scope = new NDScope();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    StepLoss l = m.loss(batch, true);
                    loss = l.mean();
                    gc.backward(l.sum().div(l.tokens()));
                }
                try (NDScope scope = new NDScope()) {
                    for (TrainableParameter p : params) {
                        p.array().subi(p.array().getGradient().mul(0.05));
                        p.array().getGradient().subi(p.array().getGradient());
                    }
                }
                if (step == 0) {
                    first = loss;
                }
                last = loss;
            }
            assertTrue(last < first, "loss " + first + " -> " + last);
        }
    }

    @Test
    void unsupportedGemma2KeysAreRefusedWithTheKey() {
        ObjectNode json = TinyModels.json("gemma2");
        json.put("hidden_activation", "gelu");
        ConfigException act = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(json));
        assertTrue(act.getMessage().contains("hidden_activation 'gelu'"), act.getMessage());
        ObjectNode types = TinyModels.json("gemma2");
        types.putArray("layer_types").add("full_attention").add("full_attention");
        ConfigException lt = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(types));
        assertTrue(lt.getMessage().contains("layer_types[0]"), lt.getMessage());
        ObjectNode cap = TinyModels.json("gemma2");
        cap.put("attn_logit_softcapping", -1.0);
        ConfigException c = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(cap));
        assertTrue(c.getMessage().contains("attn_logit_softcapping = -1.0"), c.getMessage());
        ObjectNode none = TinyModels.json("gemma2");
        none.putNull("attn_logit_softcapping");
        none.putNull("final_logit_softcapping");
        ModelConfig noCaps = ModelConfig.fromJson(none);
        assertEquals(0.0, noCaps.family().attnLogitSoftcapping());
        assertEquals(0.0, noCaps.family().finalLogitSoftcapping());
    }
}
