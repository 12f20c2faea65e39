package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.data.Batch;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mixtral logits and load-balancing loss against the independent float64 reference of HF's modeling_mixtral
 * (fixtures from {@code fixtures/hf-parity/generate_mixtral.py}): documents packed into one row (then padding) must
 * each match the reference run alone, the KV-cache path must match the last position, and the training loss minus
 * the evaluation loss must be {@code router_aux_loss_coef · aux · lossTokens} with HF's aux value (padding not
 * counted) — or exactly 0 when config.json does not ask for router logits.
 */
@SuppressWarnings("try")
class MixtralParityTest {


    @ParameterizedTest
    @ValueSource(strings = {"mixtral", "mixtral-window"})
    void logitsAndAuxLossMatchTheReference(String name) throws IOException {
        ParityFixture f = ParityFixture.load(name);
        ModelConfig config = f.config();
        Map<String, StoredTensor> weights = f.weights();
        int[][] docs = f.docs();
        JsonNode aux = f.json("aux.json");
        List<double[]> expected = f.logits();
        Batch packed = TinyModels.packed(aux.get("pad").asInt(), docs);
        for (Precision p : new Precision[] {Precision.FP64, Precision.FP32}) {
            double tol = p == Precision.FP64 ? 1e-10 : 1e-4;
            try (CausalLm m = CausalLm.fromWeights(config, TensorSource.of(weights),
                    ModelOptions.cpu().withPrecision(p)); NDScope scope = new NDScope()) {
                NDArray logits = m.logits(packed, false);
                int start = 0;
                for (int d = 0; d < docs.length; d++) {
                    double[] got = logits.get(new NDIndex("0, {}:{}", start, start + docs[d].length))
                            .toType(DataType.FLOAT64, false).toDoubleArray();
                    HfParityTest.assertClose(expected.get(d), got, tol, name + " " + p + " document " + d);
                    start += docs[d].length;
                }
                try (KvCache cache = m.newCache()) {
                    int[] d0 = docs[0];
                    m.nextTokenLogits(java.util.Arrays.copyOf(d0, d0.length - 2), cache);
                    m.nextTokenLogits(new int[] {d0[d0.length - 2]}, cache);
                    double[] last = m.nextTokenLogits(new int[] {d0[d0.length - 1]}, cache)
                            .toType(DataType.FLOAT64, false).toDoubleArray();
                    double[] want = java.util.Arrays.copyOfRange(expected.get(0),
                            (d0.length - 1) * config.vocabSize(), d0.length * config.vocabSize());
                    HfParityTest.assertClose(want, last, tol, name + " " + p + " kv-cache last position");
                }
                double train = m.loss(packed, true).sum().toType(DataType.FLOAT64, false).getDouble();
                double eval = m.loss(packed, false).sum().toType(DataType.FLOAT64, false).getDouble();
                if (config.family().moe().outputRouterLogits()) {
                    double got = (train - eval) / (config.family().moe().routerAuxLossCoef() * packed.lossTokens());
                    assertEquals(aux.get("load_balancing_loss").asDouble(), got,
                            (p == Precision.FP64 ? 1e-9 : 1e-3) * got, name + " " + p + " load-balancing loss");
                } else {
                    assertEquals(eval, train, 0.0, name + ": output_router_logits is off");
                }
            }
        }
    }
}
