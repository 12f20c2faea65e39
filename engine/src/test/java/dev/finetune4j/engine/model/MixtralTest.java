package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.lora.LoraOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mixtral (sparse MoE) beyond the fixtures of {@link MixtralParityTest}: finite-difference gradients through the
 * router and the load-balancing loss (float64), the layer-by-layer backward with and without activation
 * checkpointing against the whole-graph loss, LoRA on experts and router, int8 experts, state-dict round trip and a
 * training step.
 */
@SuppressWarnings("try")
class MixtralTest {

    static ObjectNode json(int experts, int topK, boolean aux) {
        ObjectNode j = TinyModels.json("mixtral");
        j.putArray("architectures").add("MixtralForCausalLM");
        j.put("hidden_size", 16);
        j.put("intermediate_size", 12);
        j.put("vocab_size", 37);
        j.put("num_attention_heads", 4);
        j.put("num_key_value_heads", 2);
        j.put("num_local_experts", experts);
        j.put("num_experts_per_tok", topK);
        j.put("output_router_logits", aux);
        j.put("router_aux_loss_coef", 0.3);    // large, so the aux term shows in every gradient
        return j;
    }

    static ModelConfig config(int experts, int topK, boolean aux) {
        return ModelConfig.fromJson(json(experts, topK, aux));
    }

    private static Batch batch(long seed) {
        Random rnd = new Random(seed);
        return TinyModels.packed(2, TinyModels.randomIds(rnd, 6, 37), TinyModels.randomIds(rnd, 5, 37));
    }

    private static double trainingLoss(CausalLm m, Batch b) {
        try (NDScope scope = new NDScope()) {
            return m.loss(b, true).sum().toType(DataType.FLOAT64, false).getDouble();
        }
    }

    private static Map<String, double[]> grads(CausalLm m) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (TrainableParameter p : m.trainableParameters()) {
            NDArray g = p.array().getGradient();
            out.put(p.name(), g == null ? new double[(int) p.array().size()]
                    : g.toType(DataType.FLOAT64, false).toDoubleArray());
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

    @Test
    void finiteDifferencesThroughRouterExpertsAndAuxLoss() {
        Batch b = batch(4);
        try (CausalLm m = CausalLm.random(config(4, 2, true), ModelOptions.cpu().withPrecision(Precision.FP64))) {
            zero(m);
            try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(m.loss(b, true).sum());
            }
            Map<String, double[]> g = grads(m);
            Random rnd = new Random(9);
            double h = 1e-6;
            int probed = 0;
            for (TrainableParameter p : m.trainableParameters()) {
                boolean router = p.name().endsWith("block_sparse_moe.gate.weight");
                if (!router && rnd.nextInt(4) != 0) {
                    continue;                      // every router, a quarter of the other tensors
                }
                double[] grad = g.get(p.name());
                for (int probe = 0; probe < (router ? 4 : 1); probe++) {
                    int i = rnd.nextInt(grad.length);
                    NDIndex idx = index(p.array().getShape().getShape(), i);
                    double orig = p.array().toDoubleArray()[i];
                    p.array().set(idx, orig + h);
                    double up = trainingLoss(m, b);
                    p.array().set(idx, orig - h);
                    double down = trainingLoss(m, b);
                    p.array().set(idx, orig);
                    double fd = (up - down) / (2 * h);
                    assertEquals(fd, grad[i], 1e-6 + 1e-5 * Math.abs(fd), p.name() + "[" + i + "]");
                    probed++;
                }
            }
            assertTrue(probed > 12, "probed " + probed);
            // the aux term is really in the loss: the same model without it has another training loss
            double with = trainingLoss(m, b);
            double eval;
            try (NDScope scope = new NDScope()) {
                eval = m.loss(b, false).sum().toType(DataType.FLOAT64, false).getDouble();
            }
            assertTrue(with - eval > 0.3 * b.lossTokens() * 0.5, "aux term " + (with - eval));
        }
    }

    @Test
    void layerwiseBackwardWithAndWithoutCheckpointingEqualsTheWholeGraph() {
        double scale = 0.37;
        Batch b = batch(5);
        try (CausalLm m = CausalLm.random(config(4, 2, true), ModelOptions.cpu().withPrecision(Precision.FP64))) {
            zero(m);
            double want;
            try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray sum = m.loss(b, true).sum();
                want = sum.getDouble();
                gc.backward(sum.mul(scale));
            }
            Map<String, double[]> ref = grads(m);
            for (boolean checkpoint : new boolean[] {false, true}) {
                for (boolean sink : new boolean[] {false, true}) {
                    zero(m);
                    Map<String, double[]> got = new LinkedHashMap<>();
                    double loss;
                    try (NDScope scope = new NDScope()) {
                        GradientSink s = !sink ? null : (params, gs) -> {
                            for (int i = 0; i < params.size(); i++) {
                                got.put(params.get(i).name(), gs.get(i).toType(DataType.FLOAT64, false)
                                        .toDoubleArray());
                            }
                        };
                        loss = m.forwardBackward(b, scale, new BackwardOptions(checkpoint, 1), s);
                    }
                    String what = "checkpoint=" + checkpoint + " sink=" + sink;
                    assertEquals(want, loss, 1e-10 * Math.abs(want), what + " loss");
                    Map<String, double[]> g = sink ? got : grads(m);
                    for (String name : ref.keySet()) {
                        assertNotNull(g.get(name), what + ": no gradient for " + name);
                        assertArrayEquals(ref.get(name), g.get(name), 1e-10, what + ": " + name);
                    }
                }
            }
        }
    }

    @Test
    void auxLossIsOffUnlessConfigured() {
        Batch b = batch(6);
        try (CausalLm m = CausalLm.random(config(3, 1, false), ModelOptions.cpu().withPrecision(Precision.FP64));
             NDScope scope = new NDScope()) {
            assertEquals(m.loss(b, false).sum().getDouble(), m.loss(b, true).sum().getDouble(), 0.0);
        }
    }

    @Test
    void loraOnExpertsAndRouterWithZeroBEqualsBaseAndMergesExactly() {
        Batch b = batch(7);
        LoraOptions lora = new LoraOptions(2, 4, 0.0, List.of("w1", "w2", "w3", "gate", "q_proj"), false, "gaussian");
        try (CausalLm base = CausalLm.random(config(4, 2, false), ModelOptions.cpu()); NDScope scope = new NDScope()) {
            LinkedHashMap<String, StoredTensor> sd = base.stateDict(DType.FLOAT32);
            try (CausalLm m = CausalLm.fromWeights(base.config(), TensorSource.of(sd),
                    ModelOptions.cpu().withLora(lora))) {
                double[] want = m.logits(b, false).toType(DataType.FLOAT64, false).toDoubleArray();
                assertArrayEquals(base.logits(b, false).toType(DataType.FLOAT64, false).toDoubleArray(), want, 1e-6,
                        "B = 0 is the base model");
                java.util.Set<String> names = new java.util.TreeSet<>();
                for (TrainableParameter p : m.trainableParameters()) {
                    names.add(p.name());
                    if (p.group() == TrainableParameter.Group.LORA_B) {
                        p.array().addi(0.2);
                    }
                }
                assertTrue(names.contains("model.layers.1.block_sparse_moe.gate.lora_A.weight"), names.toString());
                assertTrue(names.contains("model.layers.0.block_sparse_moe.experts.3.w2.lora_B.weight"));
                assertTrue(m.loraStateDict().containsKey(
                        "base_model.model.model.layers.0.block_sparse_moe.experts.0.w1.lora_A.weight"));
                assertEquals(List.of("q_proj", "gate", "w1", "w2", "w3"), m.peftConfig().targetModules());
                double[] adapted = m.logits(b, false).toType(DataType.FLOAT64, false).toDoubleArray();
                LinkedHashMap<String, StoredTensor> merged = m.stateDict(DType.FLOAT32, true);
                m.mergeLora();
                assertArrayEquals(adapted, m.logits(b, false).toType(DataType.FLOAT64, false).toDoubleArray(), 1e-5, "merged equals unmerged");
                assertTrue(Math.abs(adapted[3] - want[3]) > 1e-6, "the adapters change the model");
                try (CausalLm copy = CausalLm.fromWeights(base.config(), TensorSource.of(merged),
                        ModelOptions.cpu())) {
                    assertArrayEquals(adapted, copy.logits(b, false).toType(DataType.FLOAT64, false).toDoubleArray(), 1e-5, "exported merge");
                }
            }
        }
    }

    @Test
    void allLinearTargetsRouterAndExpertsAndUnknownNamesAreRefused() {
        try (CausalLm m = CausalLm.random(config(2, 1, false), ModelOptions.cpu()
                .withLora(LoraOptions.of(2, 4, 0.0, List.of("all-linear"))))) {
            assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate", "w1", "w2", "w3"),
                    m.peftConfig().targetModules());
        }
        var e = assertThrows(ConfigException.class, () -> CausalLm.random(config(2, 1, false), ModelOptions.cpu()
                .withLora(LoraOptions.of(2, 4, 0.0, List.of("up_proj")))));
        assertTrue(e.getMessage().contains("up_proj") && e.getMessage().contains("w1"), e.getMessage());
    }

    @Test
    void int8ExpertsAndRouterStayCloseToFp32() {
        Batch b = batch(8);
        try (CausalLm m = CausalLm.random(config(4, 2, false), ModelOptions.cpu()); NDScope scope = new NDScope()) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
            // an int8 base is frozen: LoRA (B = 0, so the base's function) on the router and the experts
            LoraOptions lora = LoraOptions.of(2, 4, 0.0, List.of("gate", "w1", "w2", "w3"));
            try (CausalLm q = CausalLm.fromWeights(m.config(), TensorSource.of(sd),
                    ModelOptions.cpu().withLora(lora).withInt8(true))) {
                float[] full = m.logits(b, false).toFloatArray();
                float[] int8 = q.logits(b, false).toFloatArray();
                double maxAbs = 0;
                double maxErr = 0;
                for (int i = 0; i < full.length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(full[i]));
                    maxErr = Math.max(maxErr, Math.abs(full[i] - int8[i]));
                }
                assertTrue(maxErr > 0, "int8 must really quantize");
                assertTrue(maxErr < 0.05 * maxAbs, "int8 logits differ by " + maxErr + " of " + maxAbs);
                // every projection, router and experts included, is held as int8 (a quarter of fp32 plus one fp32 scale
                // per row: 1/3 of fp32 for these 12- and 16-wide rows)
                assertTrue(q.baseWeightBytes() < 0.34 * m.baseWeightBytes(), q.baseWeightBytes() + " vs "
                        + m.baseWeightBytes());
            }
        }
    }

    @Test
    void stateDictRoundTripAndHfNames() {
        Batch b = batch(9);
        try (CausalLm m = CausalLm.random(config(3, 2, true), ModelOptions.cpu()); NDScope scope = new NDScope()) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
            List<String> names = List.copyOf(sd.keySet());
            int gate = names.indexOf("model.layers.0.block_sparse_moe.gate.weight");
            assertEquals("model.layers.0.post_attention_layernorm.weight", names.get(gate - 1));
            assertEquals(List.of("model.layers.0.block_sparse_moe.experts.0.w1.weight",
                    "model.layers.0.block_sparse_moe.experts.0.w2.weight",
                    "model.layers.0.block_sparse_moe.experts.0.w3.weight",
                    "model.layers.0.block_sparse_moe.experts.1.w1.weight"), names.subList(gate + 1, gate + 5));
            assertArrayEquals(new long[] {3, 16}, sd.get("model.layers.0.block_sparse_moe.gate.weight").shape());
            assertArrayEquals(new long[] {16, 12},
                    sd.get("model.layers.1.block_sparse_moe.experts.2.w2.weight").shape());
            try (CausalLm copy = CausalLm.fromWeights(m.config(), TensorSource.of(sd), ModelOptions.cpu())) {
                assertArrayEquals(m.logits(b, false).toFloatArray(), copy.logits(b, false).toFloatArray());
            }
        }
    }

    @Test
    void aTrainingStepLowersTheLoss() {
        Batch b = batch(10);
        try (CausalLm m = CausalLm.random(config(4, 2, true), ModelOptions.cpu())) {
            double before = trainingLoss(m, b);
            for (int step = 0; step < 3; step++) {
                zero(m);
                try (NDScope scope = new NDScope()) {
                    m.forwardBackward(b, 1.0 / b.lossTokens(), new BackwardOptions(true, 1), null);
                }
                for (TrainableParameter p : m.trainableParameters()) {
                    NDArray g = p.array().getGradient();
                    if (g != null) {
                        p.array().subi(g.mul(0.05));
                    }
                }
            }
            double after = trainingLoss(m, b);
            assertTrue(after < before, before + " -> " + after);
        }
    }

    @Test
    void badMoeKeysAreRefusedNamingKeyValueAndRange() {
        Object[][] cases = {
            {"num_local_experts", 2_000_000_000, "num_local_experts = 2000000000", "allowed: 1..1024"},
            {"num_local_experts", 0, "num_local_experts = 0", "allowed: 1 or more"},
            {"num_experts_per_tok", 5, "num_experts_per_tok = 5", "allowed: 1..4"},
            {"router_aux_loss_coef", -1.0, "router_aux_loss_coef = -1.0", ">= 0"},
            {"router_jitter_noise", 0.1, "router_jitter_noise = 0.1", "allowed: 0"},
        };
        for (Object[] c : cases) {
            ObjectNode j = json(4, 2, true);
            if (c[1] instanceof Integer v) {
                j.put((String) c[0], v);
            } else {
                j.put((String) c[0], (Double) c[1]);
            }
            ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.fromJson(j), (String) c[0]);
            assertTrue(e.getMessage().contains((String) c[2]) && e.getMessage().contains((String) c[3]),
                    e.getMessage());
        }
        ObjectNode j = json(4, 2, true);
        j.put("output_router_logits", "yes");
        assertThrows(ConfigException.class, () -> ModelConfig.fromJson(j));
    }

    @Test
    void weightsWithAnExpertMissingOrExtraAreRefusedByName() {
        try (CausalLm m = CausalLm.random(config(3, 2, false), ModelOptions.cpu()); NDScope scope = new NDScope()) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
            sd.remove("model.layers.1.block_sparse_moe.experts.2.w3.weight");
            StateDictException e = assertThrows(StateDictException.class,
                    () -> CausalLm.fromWeights(m.config(), TensorSource.of(sd), ModelOptions.cpu()));
            assertTrue(e.getMessage().contains("model.layers.1.block_sparse_moe.experts.2.w3.weight"), e.getMessage());
            LinkedHashMap<String, StoredTensor> more = m.stateDict(DType.FLOAT32);
            try (CausalLm four = CausalLm.random(config(4, 2, false), ModelOptions.cpu())) {
                ConfigException e2 = assertThrows(ConfigException.class,
                        () -> CausalLm.fromWeights(four.config(), TensorSource.of(more), ModelOptions.cpu()));
                assertTrue(e2.getMessage().contains("num_local_experts gives 4") && e2.getMessage().contains(
                        "block_sparse_moe.gate.weight' has 3 rows"), e2.getMessage());
            }
        }
    }

    @Test
    void bf16ForwardAndTrainingStepStayCloseToFp32() {
        Batch b = batch(11);
        try (CausalLm m = CausalLm.random(config(4, 2, true), ModelOptions.cpu()); NDScope scope = new NDScope()) {
            LinkedHashMap<String, StoredTensor> sd = m.stateDict(DType.FLOAT32);
            try (CausalLm h = CausalLm.fromWeights(m.config(), TensorSource.of(sd),
                    ModelOptions.cpu().withPrecision(Precision.BF16))) {
                float[] full = m.logits(b, false).toFloatArray();
                float[] half = h.logits(b, false).toFloatArray();
                double maxAbs = 0;
                double maxErr = 0;
                for (int i = 0; i < full.length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(full[i]));
                    maxErr = Math.max(maxErr, Math.abs(full[i] - half[i]));
                }
                assertTrue(maxErr > 0 && maxErr < 0.05 * maxAbs, "bf16 logits differ by " + maxErr + " of " + maxAbs);
                double lf = m.forwardBackward(b, 1.0 / b.lossTokens(), new BackwardOptions(false, 1), null);
                double lh = h.forwardBackward(b, 1.0 / b.lossTokens(), new BackwardOptions(true, 1), null);
                assertEquals(lf, lh, 0.02 * lf, "training loss (aux included) in bf16");
            }
        }
    }

    @Test
    void registryEntriesOfTheMoeBlock() {
        ModelConfig c = config(3, 2, false);
        dev.finetune4j.engine.model.arch.ParameterRegistry r = dev.finetune4j.engine.model.arch.ParameterRegistry.of(
                c, dev.finetune4j.engine.model.arch.Storage.FP32, true, false);
        var router = r.get("model.layers.1.block_sparse_moe.gate.weight");
        assertEquals(dev.finetune4j.engine.model.arch.ParamRole.ROUTER, router.role());
        assertEquals("gate", router.loraTarget());
        assertEquals(dev.finetune4j.engine.model.arch.Storage.INT8, router.storage());
        var w2 = r.get("model.layers.1.block_sparse_moe.experts.2.w2.weight");
        assertEquals(dev.finetune4j.engine.model.arch.ParamRole.EXPERT_PROJECTION, w2.role());
        assertEquals(2, w2.expert());
        assertEquals(1, w2.layer());
        assertEquals("w2", w2.loraTarget());
        assertEquals("model.layers.1.block_sparse_moe.experts.2.w2", w2.module());
        assertArrayEquals(new long[] {16, 12}, w2.shape());
        assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate", "w1", "w2", "w3"), c.spec().loraTargets());
        // embed + head + per layer: 2 norms, q/k/v/o, router, 3 experts × 3
        long perLayer = 2 * 16 + (16 * 16 + 2 * 8 * 16 + 16 * 16) + 3 * 16 + 3 * 3 * 12 * 16;
        assertEquals(2 * 37 * 16 + 16 + 2 * perLayer, r.count());
        assertEquals(c, ModelConfig.fromJson(c.toJson()), "config.json written back reads as the same config");
    }

    private static NDIndex index(long[] shape, int flat) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < idx.length; d++) {
            sb.append(d == 0 ? "" : ",").append(idx[d]);
        }
        return new NDIndex(sb.toString());
    }
}
