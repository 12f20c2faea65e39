package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.data.Batch;
import java.util.LinkedHashMap;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CausalLmTest {

    @Test
    void packedRowGivesSameLogitsAsEachDocumentAlone() {
        Random rnd = new Random(1);
        int[] a = TinyModels.randomIds(rnd, 7, 101);
        int[] b = TinyModels.randomIds(rnd, 5, 101);
        try (CausalLm m = CausalLm.random(TinyModels.llama(), ModelOptions.cpu().withPrecision(Precision.FP32));
             NDScope scope = new NDScope()) {
            NDArray packed = m.logits(TinyModels.packed(3, a, b), false);      // [1, 15, V]
            NDArray aloneA = m.logits(TinyModels.plain(a), false);
            NDArray aloneB = m.logits(TinyModels.plain(b), false);
            assertClose(aloneA.get(new NDIndex("0")).toFloatArray(),
                    packed.get(new NDIndex("0, 0:7")).toFloatArray(), 1e-5);
            assertClose(aloneB.get(new NDIndex("0")).toFloatArray(),
                    packed.get(new NDIndex("0, 7:12")).toFloatArray(), 1e-5);
        }
    }

    @Test
    void lossIsSumOverTrainedLabelsAndBackwardFillsGradients() {
        Random rnd = new Random(2);
        try (CausalLm m = CausalLm.random(TinyModels.llama(), ModelOptions.cpu())) {
            Batch batch = TinyModels.packed(2, TinyModels.randomIds(rnd, 6, 101), TinyModels.randomIds(rnd, 4, 101));
            try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                StepLoss loss = m.loss(batch, true);
                assertEquals(batch.lossTokens(), loss.tokens());
                assertEquals(8, loss.tokens());
                // ~ln(V) per token at init
                assertTrue(Math.abs(loss.mean() - Math.log(101)) < 1.0, "mean " + loss.mean());
                gc.backward(loss.sum().div(loss.tokens()));
            }
            for (TrainableParameter p : m.trainableParameters()) {
                assertNotNull(p.array().getGradient(), p.name());
            }
        }
    }

    @Test
    void stateDictRoundTripGivesSameLogits() {
        Batch batch = TinyModels.plain(TinyModels.randomIds(new Random(3), 9, 101));
        try (CausalLm m = CausalLm.random(TinyModels.llama(), ModelOptions.cpu());
             NDScope scope = new NDScope()) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
            assertEquals("model.embed_tokens.weight", sd.keySet().iterator().next());
            assertTrue(sd.containsKey("model.layers.1.mlp.down_proj.weight"));
            assertTrue(sd.containsKey("lm_head.weight"));
            try (CausalLm copy = CausalLm.fromWeights(m.config(), TensorSource.of(sd), ModelOptions.cpu())) {
                assertArrayEquals(m.logits(batch, false).toFloatArray(), copy.logits(batch, false).toFloatArray());
            }
        }
    }

    @Test
    void varlenSegmentsCoverDocumentsAndPaddingTails() {
        Batch packed = TinyModels.packed(3, new int[] {5, 6, 7}, new int[] {8, 9});
        AttentionLayout layout = AttentionLayout.of(packed);
        assertArrayEquals(new int[] {0, 3, 5, 8}, layout.flatCuSeqlens(1, 8));
        assertEquals(3, AttentionLayout.maxSegment(layout.flatCuSeqlens(1, 8)));
        Batch two = new Batch(2, 4, new int[8], new int[8], new int[] {0, 1, 0, 1, 0, 1, 2, 3},
                new int[][] {{0, 2, 4}, {0, 4}}, 8, 4);
        assertArrayEquals(new int[] {0, 2, 4, 8}, AttentionLayout.of(two).flatCuSeqlens(2, 4));
    }

    @Test
    void bf16ForwardStaysCloseToFp32() {
        Batch batch = TinyModels.packed(2, TinyModels.randomIds(new Random(21), 10, 101),
                TinyModels.randomIds(new Random(22), 6, 101));
        try (CausalLm m = CausalLm.random(TinyModels.llama(), ModelOptions.cpu()); NDScope scope = new NDScope()) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
            try (CausalLm b = CausalLm.fromWeights(m.config(), TensorSource.of(sd),
                    ModelOptions.cpu().withPrecision(Precision.BF16))) {
                float[] full = m.logits(batch, false).toFloatArray();
                float[] half = b.logits(batch, false).toFloatArray();
                double maxAbs = 0;
                double maxErr = 0;
                for (int i = 0; i < full.length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(full[i]));
                    maxErr = Math.max(maxErr, Math.abs(full[i] - half[i]));
                }
                assertTrue(maxErr > 0, "bf16 must actually compute in bf16");
                assertTrue(maxErr < 0.03 * maxAbs, "bf16 logits differ by " + maxErr + " of " + maxAbs);
                double lf = m.loss(batch, false).mean();
                double lb = b.loss(batch, false).mean();
                assertEquals(lf, lb, 0.01 * lf);
            }
        }
    }

    @Test
    void dropoutOnlyActsInTraining() {
        Batch batch = TinyModels.plain(TinyModels.randomIds(new Random(23), 12, 101));
        ModelOptions o = ModelOptions.cpu().withDropout(new DropoutOptions(0.2, 0.2, 0.2));
        try (CausalLm m = CausalLm.random(TinyModels.llama(), o); NDScope scope = new NDScope()) {
            float[] eval1 = m.logits(batch, false).toFloatArray();
            float[] eval2 = m.logits(batch, false).toFloatArray();
            assertArrayEquals(eval1, eval2);
            float[] train = m.logits(batch, true).toFloatArray();
            boolean differs = false;
            for (int i = 0; i < train.length && !differs; i++) {
                differs = train[i] != eval1[i];
            }
            assertTrue(differs, "training forward must apply dropout");
        }
    }

    @Test
    void paddingRowOfTheEmbeddingGetsNoGradient() {
        com.fasterxml.jackson.databind.node.ObjectNode j = TinyModels.json("llama");
        j.put("pad_token_id", 0);
        Batch batch = TinyModels.packed(3, new int[] {5, 0, 7, 9});   // pad id inside a document and as padding
        try (CausalLm m = CausalLm.random(ModelConfig.fromJson(j), ModelOptions.cpu())) {
            NDArray embed = m.trainableParameters().get(0).array();
            assertEquals(0f, embed.get(new NDIndex("0")).abs().sum().getFloat());
            try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(m.loss(batch, true).sum());
            }
            NDArray grad = embed.getGradient();
            assertEquals(0f, grad.get(new NDIndex("0")).abs().sum().getFloat());
            assertTrue(grad.get(new NDIndex("5")).abs().sum().getFloat() > 0);
        }
    }

    @Test
    void idsOutsideTheVocabularyAreNamed() {
        try (CausalLm m = CausalLm.random(TinyModels.llama(), ModelOptions.cpu()); NDScope scope = new NDScope()) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> m.loss(TinyModels.plain(new int[] {1, 2, 101, 4}), false));
            assertTrue(e.getMessage().contains("101") && e.getMessage().contains("position 2"), e.getMessage());
        }
    }

    @Test
    void loraBaseIsFrozenWithoutGradientBuffers() {
        Batch batch = TinyModels.plain(TinyModels.randomIds(new Random(30), 8, 101));
        ModelOptions o = ModelOptions.cpu().withLora(dev.finetune4j.engine.lora.LoraOptions.of(2, 4, 0.0,
                java.util.List.of("all-linear")));
        for (boolean int8 : new boolean[] {false, true}) {
            try (CausalLm m = CausalLm.random(TinyModels.llama(), o.withInt8(int8))) {
                try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(m.loss(batch, true).sum());
                }
                for (NDArray base : m.baseArrays()) {
                    // requires_grad off: autograd never allocates a .grad buffer for it
                    assertTrue(!ai.djl.pytorch.jni.JniUtils.requiresGrad((ai.djl.pytorch.engine.PtNDArray) base),
                            "base array " + base.getShape());
                }
                for (TrainableParameter p : m.trainableParameters()) {
                    assertTrue(p.array().hasGradient(), p.name());
                }
            }
        }
    }

    static void assertClose(float[] want, float[] got, double tol) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), "element " + i);
        }
    }
}
