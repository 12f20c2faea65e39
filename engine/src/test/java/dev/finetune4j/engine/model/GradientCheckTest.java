package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.data.Batch;
import dev.finetune4j.engine.lora.LoraOptions;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Float64 finite differences against autograd through the whole model (packed batch, GQA, biases, LoRA). */
class GradientCheckTest {

    private static double loss(CausalLm m, Batch b) {
        try (NDScope scope = new NDScope()) {
            return m.loss(b, false).sum().toDoubleArray()[0];
        }
    }

    static void check(CausalLm m, Batch batch, int probesPerParam) {
        try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(m.loss(batch, true).sum());
        }
        Random rnd = new Random(3);
        double h = 1e-6;
        for (TrainableParameter p : m.trainableParameters()) {
            NDArray a = p.array();
            double[] grad = a.getGradient().toDoubleArray();
            long n = a.getShape().size();
            for (int probe = 0; probe < probesPerParam; probe++) {
                int i = rnd.nextInt((int) n);
                double[] flat = a.toDoubleArray();
                double orig = flat[i];
                NDIndex idx = index(a.getShape().getShape(), i);
                a.set(idx, orig + h);
                double up = loss(m, batch);
                a.set(idx, orig - h);
                double down = loss(m, batch);
                a.set(idx, orig);
                double fd = (up - down) / (2 * h);
                assertEquals(fd, grad[i], 1e-6 + 1e-5 * Math.abs(fd), p.name() + "[" + i + "]");
            }
        }
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

    private static ObjectNode tinyJson(String type) {
        ObjectNode j = TinyModels.json(type);
        j.put("hidden_size", 16);
        j.put("intermediate_size", 24);
        j.put("vocab_size", 37);
        j.put("num_attention_heads", 4);
        j.put("num_key_value_heads", 2);
        return j;
    }

    @Test
    void fullModelGradientsMatchFiniteDifferences() {
        Random rnd = new Random(4);
        Batch batch = TinyModels.packed(2, TinyModels.randomIds(rnd, 5, 37), TinyModels.randomIds(rnd, 4, 37));
        ModelConfig c = ModelConfig.fromJson(tinyJson("qwen2"));       // q/k/v biases too
        try (CausalLm m = CausalLm.random(c, ModelOptions.cpu().withPrecision(Precision.FP64))) {
            check(m, batch, 3);
        }
    }

    @Test
    void loraGradientsMatchFiniteDifferences() {
        Random rnd = new Random(5);
        Batch batch = TinyModels.plain(TinyModels.randomIds(rnd, 6, 37), TinyModels.randomIds(rnd, 6, 37));
        ModelConfig c = ModelConfig.fromJson(tinyJson("llama"));
        ModelOptions o = ModelOptions.cpu().withPrecision(Precision.FP64)
                .withLora(new LoraOptions(2, 4, 0.0, List.of("all-linear"), false, "gaussian"));
        try (CausalLm m = CausalLm.random(c, o)) {
            // make B non-zero so A's gradient is not trivially zero
            for (TrainableParameter p : m.trainableParameters()) {
                if (p.group() == TrainableParameter.Group.LORA_B) {
                    p.array().addi(0.3);
                }
            }
            check(m, batch, 2);
        }
    }
}
