package dev.finetune4j.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One float64 parity fixture under {@code fixtures/hf-parity/<name>/} (written by the generate*.py scripts there):
 * config.json, float32 weights ({@code weights.bin} + {@code weights.json} offsets), documents ({@code docs.json})
 * and the reference logits of each document run alone ({@code logits.bin}, float64).
 */
record ParityFixture(String name, ModelConfig config, LinkedHashMap<String, StoredTensor> weights, int[][] docs,
                     List<double[]> logits) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads fixture {@code name}. */
    static ParityFixture load(String name) throws IOException {
        ModelConfig config = ModelConfig.fromJson((ObjectNode) JSON.readTree(resource(name + "/config.json")));
        ByteBuffer bin = ByteBuffer.wrap(resource(name + "/weights.bin")).order(ByteOrder.LITTLE_ENDIAN);
        JsonNode index = JSON.readTree(resource(name + "/weights.json"));
        LinkedHashMap<String, StoredTensor> weights = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = index.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            long[] shape = JSON.convertValue(e.getValue().get("shape"), long[].class);
            int off = e.getValue().get("offset").asInt();
            int bytes = (int) StoredTensor.numel(shape) * 4;
            ByteBuffer slice = bin.duplicate().position(off).limit(off + bytes).slice();
            weights.put(e.getKey(), new StoredTensor(DType.FLOAT32, shape, slice));
        }
        int[][] docs = JSON.readValue(resource(name + "/docs.json"), int[][].class);
        return new ParityFixture(name, config, weights, docs, perDocument(resource(name + "/logits.bin"), docs,
                config.vocabSize()));
    }

    /** Another per-document float64 logits file of this fixture (e.g. {@code logits_short.bin}). */
    List<double[]> perDocument(String file) throws IOException {
        return perDocument(resource(name + "/" + file), docs, config.vocabSize());
    }

    /** Another JSON file of this fixture (e.g. {@code aux.json}). */
    JsonNode json(String file) throws IOException {
        return JSON.readTree(resource(name + "/" + file));
    }

    /** The bytes of {@code fixtures/hf-parity/<path>}. */
    static byte[] resource(String path) throws IOException {
        try (InputStream in = ParityFixture.class.getResourceAsStream("/fixtures/hf-parity/" + path)) {
            if (in == null) {
                throw new IOException("missing fixture " + path);
            }
            return in.readAllBytes();
        }
    }

    private static List<double[]> perDocument(byte[] bytes, int[][] docs, int vocab) {
        ByteBuffer ref = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<double[]> out = new ArrayList<>();
        for (int[] d : docs) {
            double[] v = new double[d.length * vocab];
            for (int i = 0; i < v.length; i++) {
                v[i] = ref.getDouble();
            }
            out.add(v);
        }
        return out;
    }
}
