package dev.finetune4j.engine.model;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.engine.model.arch.ParameterEntry;
import dev.finetune4j.engine.model.arch.ParameterRegistry;
import dev.finetune4j.engine.model.arch.Part;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a config.json against the weights' names and header shapes before a model is built, so that a config
 * claiming 100,000,000 layers (or a vocabulary, width or head count the weights do not have) is refused in
 * milliseconds instead of allocating first. Only the embedding, the head and layer 0's matrices are looked at (their
 * expected shapes come from a one-layer {@link ParameterRegistry}, theirs from the safetensors headers; nothing is
 * read); missing tensors are left to the full state dict check that follows.
 */
final class ConfigWeightsCheck {

    private ConfigWeightsCheck() {
    }

    static void check(ModelConfig c, TensorSource weights) {
        String prefix = c.spec().names().layerPrefix();
        Pattern layer = Pattern.compile(Pattern.quote(prefix) + "(\\d{1,9})\\..*");
        Set<String> names = new java.util.LinkedHashSet<>(weights.names());
        TreeSet<Integer> layers = new TreeSet<>();
        for (String name : names) {
            Matcher m = layer.matcher(name);
            if (m.matches()) {
                layers.add(Integer.parseInt(m.group(1)));
            }
        }
        if (!layers.isEmpty() && layers.size() != c.numHiddenLayers()) {
            throw new ConfigException("config.json num_hidden_layers = " + c.numHiddenLayers() + " does not match "
                    + "the weights, which hold " + layers.size() + " layers (" + prefix + layers.first() + " .. "
                    + layers.last() + "); allowed: " + layers.size());
        }
        ParameterRegistry one = ParameterRegistry.firstLayer(c);
        List<ParameterEntry> matrices = new ArrayList<>(one.embedding());
        matrices.addAll(one.head());
        matrices.addAll(one.layer(0));
        for (ParameterEntry e : matrices) {
            String[] keys = keys(e.part());
            if (keys != null && !e.bias()) {
                shape(weights, e, keys[0], keys[1]);
            }
        }
    }

    /** The config.json keys that give a matrix's rows and columns (null for vectors). */
    private static String[] keys(Part part) {
        String heads = "num_attention_heads × head_dim";
        String kv = "num_key_value_heads × head_dim";
        return switch (part) {
            case EMBED, LM_HEAD -> new String[] {"vocab_size", "hidden_size"};
            case Q -> new String[] {heads, "hidden_size"};
            case K, V -> new String[] {kv, "hidden_size"};
            case QKV -> new String[] {"(num_attention_heads + 2 × num_key_value_heads) × head_dim", "hidden_size"};
            case O -> new String[] {"hidden_size", heads};
            case GATE, UP, EXPERT_W1, EXPERT_W3 -> new String[] {"intermediate_size", "hidden_size"};
            case GATE_UP -> new String[] {"2 × intermediate_size", "hidden_size"};
            case DOWN, EXPERT_W2 -> new String[] {"hidden_size", "intermediate_size"};
            case ROUTER -> new String[] {"num_local_experts", "hidden_size"};
            default -> null;
        };
    }

    private static void shape(TensorSource weights, ParameterEntry e, String rowKey, String colKey) {
        String name = e.hfName();
        if (!weights.contains(name)) {
            return;
        }
        StoredTensor t = weights.tensor(name);
        long[] s = t.shape();
        if (s.length != 2) {
            throw new StateDictException("weights tensor '" + name + "' has shape " + Arrays.toString(s)
                    + "; a 2-d matrix is expected");
        }
        if (s[0] != e.rows()) {
            throw new ConfigException("config.json " + rowKey + " gives " + e.rows() + " but the weights tensor '"
                    + name + "' has " + s[0] + " rows (shape " + Arrays.toString(s) + "); allowed: a config matching "
                    + "the weights");
        }
        if (s[1] != e.cols()) {
            throw new ConfigException("config.json " + colKey + " gives " + e.cols() + " but the weights tensor '"
                    + name + "' has " + s[1] + " columns (shape " + Arrays.toString(s) + "); allowed: a config "
                    + "matching the weights");
        }
    }
}
