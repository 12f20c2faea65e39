package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.kernel.KernelLibrary;
import dev.finetune4j.engine.lora.LoraOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The chunked loss and the layer-by-layer backward (with and without activation checkpointing, accumulating or
 * handing gradients to a sink) against the plain full-logits loss backpropagated by autograd.
 */
@SuppressWarnings("try")
class LayerwiseBackwardTest {

    private static final double SCALE = 0.37; // stands for 1 / (loss tokens of the global batch)

    @AfterEach
    void restoreChunks() {
        LossChunking.chunkLogitsBytes = LossChunking.CHUNK_LOGITS_BYTES;
    }

    private static ModelConfig config(String type, boolean tied) {
        ObjectNode j = TinyModels.json(type);
        j.put("hidden_size", 16);
        j.put("intermediate_size", 24);
        j.put("vocab_size", 37);
        j.put("num_hidden_layers", 3);
        j.put("tie_word_embeddings", tied);
        return ModelConfig.fromJson(j);
    }

    private static Batch packedBatch() {
        Random rnd = new Random(7);
        return TinyModels.packed(3, TinyModels.randomIds(rnd, 9, 37), TinyModels.randomIds(rnd, 7, 37));
    }

    /** Reference: full logits, cross-entropy sum, autograd backward of {@code SCALE · sum}. */
    private static Map<String, double[]> referenceGrads(CausalLm m, Batch b, double[] lossOut) {
        zero(m);
        try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logits = m.logits(b, true);
            NDArray labels = m.manager().create(CausalLm.toLongs(b.labels()), new Shape(b.rows(), b.seqLen()));
            NDArray sum = KernelLibrary.on(Device.cpu()).crossEntropySum(logits, labels);
            lossOut[0] = sum.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
            gc.backward(sum.mul(SCALE));
        }
        return grads(m);
    }

    private static Map<String, double[]> grads(CausalLm m) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (TrainableParameter p : m.trainableParameters()) {
            out.put(p.name(), p.array().getGradient().toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                    .toDoubleArray());
        }
        return out;
    }

    private static void zero(CausalLm m) {
        for (TrainableParameter p : m.trainableParameters()) {
            if (p.array().hasGradient() && JniUtils.getGradient((ai.djl.pytorch.engine.PtNDArray) p.array()) != null) {
                JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p.array());
            }
        }
    }

    private static Map<String, double[]> layerwise(CausalLm m, Batch b, boolean checkpoint, boolean sink,
                                                   double[] lossOut) {
        zero(m);
        Map<String, double[]> out = new LinkedHashMap<>();
        try (NDScope scope = new NDScope()) {
            GradientSink s = !sink ? null : (params, grads) -> {
                assertEquals(params.size(), grads.size());
                for (int i = 0; i < params.size(); i++) {
                    out.put(params.get(i).name(), grads.get(i).toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                            .toDoubleArray());
                }
            };
            lossOut[0] = m.forwardBackward(b, SCALE, new BackwardOptions(checkpoint, 42), s);
        }
        if (!sink) {
            return grads(m);
        }
        Map<String, double[]> ordered = new LinkedHashMap<>();
        for (TrainableParameter p : m.trainableParameters()) {
            assertTrue(out.containsKey(p.name()), "the sink got no gradient for " + p.name());
            ordered.put(p.name(), out.get(p.name()));
        }
        return ordered;
    }

    private static void assertClose(Map<String, double[]> want, Map<String, double[]> got, double rel, String what) {
        assertEquals(want.keySet(), got.keySet(), what);
        for (String name : want.keySet()) {
            double[] a = want.get(name);
            double[] b = got.get(name);
            double max = 0;
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
                max = Math.max(max, Math.abs(a[i]));
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            assertTrue(max > 0, what + ": " + name + " has an all-zero reference gradient");
            assertTrue(diff <= rel * max, what + ": " + name + " differs by " + diff + " (max |g| " + max + ")");
        }
    }

    /**
     * Every path against the full-logits reference within {@code rel} (fp32: the chunked loss sums in another order),
     * and checkpointed / sink paths against the plain layer-by-layer backward within {@code pairRel}.
     */
    private static void checkAllPaths(CausalLm m, Batch b, double rel, double pairRel) {
        double[] ref = new double[1];
        Map<String, double[]> want = referenceGrads(m, b, ref);
        double[] plainLoss = new double[1];
        Map<String, double[]> plain = layerwise(m, b, false, false, plainLoss);
        assertEquals(ref[0], plainLoss[0], rel * Math.abs(ref[0]), "loss");
        assertClose(want, plain, rel, "layer-by-layer vs reference");
        for (boolean checkpoint : new boolean[] {false, true}) {
            for (boolean sink : new boolean[] {false, true}) {
                double[] loss = new double[1];
                Map<String, double[]> got = layerwise(m, b, checkpoint, sink, loss);
                String what = "checkpoint=" + checkpoint + " sink=" + sink;
                assertEquals(plainLoss[0], loss[0], pairRel * Math.abs(ref[0]), what + " loss");
                assertClose(plain, got, pairRel, what);
            }
        }
        // the differentiable chunked loss() agrees too
        zero(m);
        try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            StepLoss l = m.loss(b, true);
            assertEquals(ref[0], l.sum().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble(),
                    rel * Math.abs(ref[0]));
            gc.backward(l.sum().mul(SCALE));
        }
        assertClose(want, grads(m), rel, "loss()");
    }

    @Test
    void float64FullModelManyChunksPackedUntiedAndTied() {
        LossChunking.chunkLogitsBytes = 4L * 37 * 5; // 5 tokens per chunk: 4 chunks over this batch
        for (boolean tied : new boolean[] {false, true}) {
            try (CausalLm m = CausalLm.random(config("qwen2", tied), ModelOptions.cpu().withPrecision(Precision.FP64))) {
                checkAllPaths(m, packedBatch(), 1e-10, 1e-12);
            }
        }
    }

    @Test
    void float32LoraOnInt8BaseWithinOneMillionth() {
        LossChunking.chunkLogitsBytes = 4L * 37 * 3;
        ModelOptions o = ModelOptions.cpu().withLora(new LoraOptions(4, 8, 0.0, List.of("all-linear"), false,
                "gaussian")).withInt8(true);
        try (CausalLm m = CausalLm.random(config("llama", false), o)) {
            for (TrainableParameter p : m.trainableParameters()) {
                if (p.group() == TrainableParameter.Group.LORA_B) {
                    p.array().addi(0.1);
                }
            }
            checkAllPaths(m, packedBatch(), 1e-5, 1e-6);
        }
    }

    @Test
    void float32FullModelWithinOneMillionth() {
        try (CausalLm m = CausalLm.random(config("mistral", false), ModelOptions.cpu())) {
            checkAllPaths(m, TinyModels.plain(TinyModels.randomIds(new Random(2), 12, 37),
                    TinyModels.randomIds(new Random(3), 12, 37)), 1e-5, 1e-6);
        }
    }

    @Test
    void checkpointedRecomputationReusesTheDropoutMasks() {
        DropoutOptions drop = new DropoutOptions(0.2, 0.2, 0.2);
        ModelOptions o = ModelOptions.cpu().withDropout(drop).withLora(new LoraOptions(4, 8, 0.3,
                List.of("all-linear"), false, "gaussian"));
        try (CausalLm m = CausalLm.random(config("llama", false), o)) {
            for (TrainableParameter p : m.trainableParameters()) {
                if (p.group() == TrainableParameter.Group.LORA_B) {
                    p.array().addi(0.1);
                }
            }
            Batch b = packedBatch();
            double[] l1 = new double[1];
            double[] l2 = new double[1];
            double[] l3 = new double[1];
            Map<String, double[]> plain = layerwise(m, b, false, false, l1);
            Map<String, double[]> checkpointed = layerwise(m, b, true, false, l2);
            assertEquals(l1[0], l2[0], 1e-6 * l1[0]);
            assertClose(plain, checkpointed, 1e-6, "dropout, checkpointed vs not");
            // the masks are really random: another seed gives other gradients
            zero(m);
            try (NDScope scope = new NDScope()) {
                l3[0] = m.forwardBackward(b, SCALE, new BackwardOptions(true, 43), null);
            }
            assertTrue(Math.abs(l3[0] - l1[0]) > 1e-4, "dropout had no effect");
        }
    }
}
