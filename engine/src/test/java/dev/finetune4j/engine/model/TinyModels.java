package dev.finetune4j.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.data.Batch;
import java.util.Arrays;

/** Tiny configs and batches for fast engine tests. */
public final class TinyModels {

    private TinyModels() {
    }

    public static ObjectNode json(String modelType) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model_type", modelType);
        o.put("vocab_size", 101);
        o.put("hidden_size", 32);
        o.put("intermediate_size", 64);
        o.put("num_hidden_layers", 2);
        o.put("num_attention_heads", 4);
        o.put("num_key_value_heads", 2);
        o.put("max_position_embeddings", 128);
        o.put("rms_norm_eps", 1e-5);
        o.put("initializer_range", 0.2);
        o.put("eos_token_id", 2);
        o.put("bos_token_id", 1);
        return o;
    }

    public static ModelConfig llama() {
        return ModelConfig.fromJson(json("llama"));
    }

    /** One row per sequence, no packing: labels = inputs (the model shifts). */
    public static Batch plain(int[]... rows) {
        int seq = rows[0].length;
        int[] ids = new int[rows.length * seq];
        int[] pos = new int[ids.length];
        int[][] cu = new int[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, ids, r * seq, seq);
            for (int t = 0; t < seq; t++) {
                pos[r * seq + t] = t;
            }
            cu[r] = new int[] {0, seq};
        }
        long loss = (long) rows.length * (seq - 1);
        return new Batch(rows.length, seq, ids, ids.clone(), pos, cu, ids.length, loss);
    }

    /** One packed row holding the given documents back to back, then {@code pad} padding positions (id 0). */
    public static Batch packed(int pad, int[]... docs) {
        int seq = pad;
        for (int[] d : docs) {
            seq += d.length;
        }
        int[] ids = new int[seq];
        int[] labels = new int[seq];
        int[] pos = new int[seq];
        int[] cu = new int[docs.length + 1];
        int t = 0;
        for (int i = 0; i < docs.length; i++) {
            for (int j = 0; j < docs[i].length; j++, t++) {
                ids[t] = docs[i][j];
                labels[t] = j == 0 ? Batch.IGNORE_INDEX : docs[i][j];
                pos[t] = j;
            }
            cu[i + 1] = t;
        }
        Arrays.fill(labels, t, seq, Batch.IGNORE_INDEX);
        long loss = Arrays.stream(labels).skip(1).filter(l -> l != Batch.IGNORE_INDEX).count();
        return new Batch(1, seq, ids, labels, pos, new int[][] {cu}, t, loss);
    }

    public static int[] randomIds(java.util.Random rnd, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 3 + rnd.nextInt(vocab - 3);
        }
        return ids;
    }
}
