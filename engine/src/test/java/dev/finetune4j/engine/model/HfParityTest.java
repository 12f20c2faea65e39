package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Logits against an independent float64 reference of HF's Llama/Qwen2/Mistral math (fixtures from
 * {@code fixtures/hf-parity/generate.py}): documents packed into one row must each match the reference run alone,
 * and the KV-cache path must match the last position.
 */
class HfParityTest {


    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen2", "mistral-window"})
    void packedLogitsMatchTheReference(String name) throws IOException {
        ParityFixture f = ParityFixture.load(name);
        ModelConfig config = f.config();
        Map<String, StoredTensor> weights = f.weights();
        int[][] docs = f.docs();
        List<double[]> expected = f.logits();
        for (Precision p : new Precision[] {Precision.FP64, Precision.FP32}) {
            double tol = p == Precision.FP64 ? 1e-9 : 1e-4;
            try (CausalLm m = CausalLm.fromWeights(config, TensorSource.of(weights), ModelOptions.cpu().withPrecision(p));
                 NDScope scope = new NDScope()) {
                NDArray logits = m.logits(TinyModels.packed(2, docs), false);   // [1, total+2, V]
                int start = 0;
                for (int d = 0; d < docs.length; d++) {
                    double[] got = logits.get(new NDIndex("0, {}:{}", start, start + docs[d].length)).toType(
                            ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
                    assertClose(expected.get(d), got, tol, name + " " + p + " document " + d);
                    start += docs[d].length;
                }
                try (KvCache cache = m.newCache()) {
                    int[] d0 = docs[0];
                    m.nextTokenLogits(java.util.Arrays.copyOf(d0, d0.length - 2), cache);
                    m.nextTokenLogits(new int[] {d0[d0.length - 2]}, cache);
                    double[] last = m.nextTokenLogits(new int[] {d0[d0.length - 1]}, cache)
                            .toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
                    double[] want = java.util.Arrays.copyOfRange(expected.get(0),
                            (d0.length - 1) * config.vocabSize(), d0.length * config.vocabSize());
                    assertClose(want, last, tol, name + " " + p + " kv-cache last position");
                }
            }
        }
    }

    static void assertClose(double[] want, double[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), what + " element " + i);
        }
    }
}
