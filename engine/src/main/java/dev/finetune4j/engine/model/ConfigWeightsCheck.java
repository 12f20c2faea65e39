package dev.finetune4j.engine.model;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a config.json against the weights' names and header shapes before a model is built, so that a config
 * claiming 100,000,000 layers (or a vocabulary, width or head count the weights do not have) is refused in
 * milliseconds instead of allocating first. Only the embedding, the head and layer 0's projections are looked at
 * (their shapes come from the safetensors headers; nothing is read); missing tensors are left to the full state dict
 * check that follows.
 */
final class ConfigWeightsCheck {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d{1,9})\\..*");

    private ConfigWeightsCheck() {
    }

    static void check(LlamaConfig c, TensorSource weights) {
        Set<String> names = new java.util.LinkedHashSet<>(weights.names());
        TreeSet<Integer> layers = new TreeSet<>();
        for (String name : names) {
            Matcher m = LAYER.matcher(name);
            if (m.matches()) {
                layers.add(Integer.parseInt(m.group(1)));
            }
        }
        if (!layers.isEmpty() && layers.size() != c.numHiddenLayers()) {
            throw new ConfigException("config.json num_hidden_layers = " + c.numHiddenLayers() + " does not match "
                    + "the weights, which hold " + layers.size() + " layers (model.layers." + layers.first() + " .. "
                    + layers.last() + "); allowed: " + layers.size());
        }
        long h = c.hiddenSize();
        String embed = "model.embed_tokens.weight";
        shape(weights, embed, c.vocabSize(), "vocab_size", h, "hidden_size");
        if (!c.tieWordEmbeddings()) {
            shape(weights, "lm_head.weight", c.vocabSize(), "vocab_size", h, "hidden_size");
        }
        String p = "model.layers.0.";
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        shape(weights, p + "self_attn.q_proj.weight", q, "num_attention_heads × head_dim", h, "hidden_size");
        shape(weights, p + "self_attn.k_proj.weight", kv, "num_key_value_heads × head_dim", h, "hidden_size");
        shape(weights, p + "self_attn.o_proj.weight", h, "hidden_size", q, "num_attention_heads × head_dim");
        shape(weights, p + "mlp.gate_proj.weight", c.intermediateSize(), "intermediate_size", h, "hidden_size");
        shape(weights, p + "mlp.down_proj.weight", h, "hidden_size", c.intermediateSize(), "intermediate_size");
        shape(weights, p + "self_attn.qkv_proj.weight", q + 2 * kv,
                "(num_attention_heads + 2 × num_key_value_heads) × head_dim", h, "hidden_size");
        shape(weights, p + "mlp.gate_up_proj.weight", 2L * c.intermediateSize(), "2 × intermediate_size", h,
                "hidden_size");
    }

    private static void shape(TensorSource weights, String name, long rows, String rowKey, long cols,
            String colKey) {
        if (!weights.contains(name)) {
            return;
        }
        StoredTensor t = weights.tensor(name);
        long[] s = t.shape();
        if (s.length != 2) {
            throw new StateDictException("weights tensor '" + name + "' has shape " + Arrays.toString(s)
                    + "; a 2-d matrix is expected");
        }
        if (s[0] != rows) {
            throw new ConfigException("config.json " + rowKey + " gives " + rows + " but the weights tensor '" + name
                    + "' has " + s[0] + " rows (shape " + Arrays.toString(s) + "); allowed: a config matching the "
                    + "weights");
        }
        if (s[1] != cols) {
            throw new ConfigException("config.json " + colKey + " gives " + cols + " but the weights tensor '" + name
                    + "' has " + s[1] + " columns (shape " + Arrays.toString(s) + "); allowed: a config matching "
                    + "the weights");
        }
    }
}
