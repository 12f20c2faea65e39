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
            NDArray packed = m.logitsFloat(TinyModels.packed(3, a, b));      // [1, 15, V]
            NDArray aloneA = m.logitsFloat(TinyModels.plain(a));
            NDArray aloneB = m.logitsFloat(TinyModels.plain(b));
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
            try (CausalLm copy = CausalLm.fromWeights(m.config(), WeightSource.of(sd), ModelOptions.cpu())) {
                assertArrayEquals(m.logitsFloat(batch).toFloatArray(), copy.logitsFloat(batch).toFloatArray());
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

    static void assertClose(float[] want, float[] got, double tol) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), "element " + i);
        }
    }
}
