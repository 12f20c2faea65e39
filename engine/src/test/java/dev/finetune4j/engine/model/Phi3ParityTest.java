package dev.finetune4j.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Phi-3 logits against the independent float64 reference of {@code fixtures/hf-parity/generate_phi3.py} (fused
 * qkv_proj/gate_up_proj, longrope short and long factors, sliding window, partial rotary, tied embeddings):
 * documents packed into one row must each match the reference run alone (documents on the same side of the original
 * context are packed together, since HF picks the factor list by the batch's longest position), and KV-cache
 * generation must match HF's, including the one-time recompute when the sequence grows past the original context.
 */
class Phi3ParityTest {


    /** A fixture: its config, weights, documents and expected logits (HF's rule, and with short factors forced). */
    record Fixture(ModelConfig config, Map<String, StoredTensor> weights, int[][] docs, List<double[]> logits,
                   List<double[]> shortLogits) {

        static Fixture load(String name) throws IOException {
            ParityFixture p = ParityFixture.load(name);
            return new Fixture(p.config(), p.weights(), p.docs(), p.logits(), p.perDocument("logits_short.bin"));
        }

        int originalMax() {
            return config.ropeScaling().originalMaxPositionEmbeddings();
        }

        /** Row {@code position} of a document's expected logits. */
        double[] row(List<double[]> which, int doc, int position) {
            int v = config.vocabSize();
            return Arrays.copyOfRange(which.get(doc), position * v, (position + 1) * v);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"phi3-short", "phi3-long", "phi3-partial"})
    void packedLogitsMatchTheReference(String name) throws IOException {
        Fixture f = Fixture.load(name);
        for (Precision p : new Precision[] {Precision.FP64, Precision.FP32}) {
            double tol = p == Precision.FP64 ? 1e-10 : 1e-4;
            try (CausalLm m = CausalLm.fromWeights(f.config(), TensorSource.of(f.weights()),
                    ModelOptions.cpu().withPrecision(p)); NDScope scope = new NDScope()) {
                for (boolean longDocs : new boolean[] {false, true}) {
                    List<Integer> group = new ArrayList<>();
                    for (int d = 0; d < f.docs().length; d++) {
                        if (f.docs()[d].length > f.originalMax() == longDocs) {
                            group.add(d);
                        }
                    }
                    if (group.isEmpty()) {
                        continue;
                    }
                    int[][] docs = group.stream().map(d -> f.docs()[d]).toArray(int[][]::new);
                    NDArray logits = m.logits(TinyModels.packed(2, docs), false);
                    int start = 0;
                    for (int i = 0; i < docs.length; i++) {
                        double[] got = logits.get(new NDIndex("0, {}:{}", start, start + docs[i].length))
                                .toType(DataType.FLOAT64, false).toDoubleArray();
                        HfParityTest.assertClose(f.logits().get(group.get(i)), got, tol,
                                name + " " + p + " document " + group.get(i));
                        start += docs[i].length;
                    }
                }
            }
        }
    }

    /**
     * Incremental decoding of the longest document one token at a time after a short prompt: while the sequence fits
     * the original context the last position matches the short-factor reference, past it the long-factor one (HF
     * drops the short-factor cache and recomputes once).
     */
    @ParameterizedTest
    @ValueSource(strings = {"phi3-short", "phi3-long", "phi3-partial"})
    void kvCacheGenerationSwitchesToTheLongFactorsAsHfDoes(String name) throws IOException {
        Fixture f = Fixture.load(name);
        int doc = 0;
        for (int d = 1; d < f.docs().length; d++) {
            doc = f.docs()[d].length > f.docs()[doc].length ? d : doc;
        }
        int[] ids = f.docs()[doc];
        int prompt = Math.min(3, ids.length - 1);
        try (CausalLm m = CausalLm.fromWeights(f.config(), TensorSource.of(f.weights()),
                ModelOptions.cpu().withPrecision(Precision.FP64)); NDScope scope = new NDScope();
             KvCache cache = m.newCache()) {
            double[] got = m.nextTokenLogits(Arrays.copyOf(ids, prompt), cache).toDoubleArray();
            HfParityTest.assertClose(f.row(f.shortLogits(), doc, prompt - 1), got, 1e-10, name + " prompt");
            for (int t = prompt; t < ids.length; t++) {
                got = m.nextTokenLogits(new int[] {ids[t]}, cache).toDoubleArray();
                boolean isLong = t + 1 > f.originalMax();
                HfParityTest.assertClose(f.row(isLong ? f.logits() : f.shortLogits(), doc, t), got, 1e-10,
                        name + " step " + t + (isLong ? " (long factors)" : " (short factors)"));
                assertEquals(t + 1, cache.length());
            }
        }
    }
}
