package dev.finetune4j.engine.model.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.model.ConfigException;
import dev.finetune4j.engine.model.ConfigJson;
import dev.finetune4j.engine.model.ModelConfig;

/**
 * The config.json dialects of Llama, Mistral and Qwen2 (HF's {@code LlamaConfig}, {@code MistralConfig},
 * {@code Qwen2Config}; docs/training.md §12.1): their defaults, biases and sliding-window keys.
 */
final class LlamaKeys implements FamilyConfig {

    /** Which of the three dialects. */
    enum Dialect { LLAMA, MISTRAL, QWEN2 }

    static final LlamaKeys LLAMA = new LlamaKeys(Dialect.LLAMA);
    static final LlamaKeys MISTRAL = new LlamaKeys(Dialect.MISTRAL);
    static final LlamaKeys QWEN2 = new LlamaKeys(Dialect.QWEN2);

    private final Dialect dialect;

    private LlamaKeys(Dialect dialect) {
        this.dialect = dialect;
    }

    @Override
    public void defaults(ModelConfig.Builder b) {
        switch (dialect) {
            case MISTRAL -> {
                b.intermediateSize = 14336;
                b.numKeyValueHeads = 8;
                b.maxPositionEmbeddings = 131072;
            }
            case QWEN2 -> {
                b.vocabSize = 151936;
                b.intermediateSize = 22016;
                b.maxPositionEmbeddings = 32768;
                b.defaultEosTokenId = 151643;
            }
            default -> {
            }
        }
    }

    @Override
    public void read(ConfigJson json, ModelConfig.Builder b) {
        boolean attentionBias = json.boolOf("attention_bias", false);
        b.qkvBias = dialect == Dialect.QWEN2 || attentionBias;
        b.oBias = dialect != Dialect.QWEN2 && attentionBias;
        b.mlpBias = json.boolOf("mlp_bias", false);
        if (dialect == Dialect.MISTRAL) {
            b.slidingWindow = json.present("sliding_window") ? json.intOf("sliding_window", 0) : 4096;
        } else if (dialect == Dialect.QWEN2 && json.boolOf("use_sliding_window", false)
                && json.has("sliding_window")) {
            b.slidingWindow = json.intOf("sliding_window", 0);
            b.maxWindowLayers = json.intOf("max_window_layers", 28);
        }
        String act = json.node().path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new ConfigException("config.json hidden_act '" + act + "' is not supported; allowed: silu");
        }
    }

    @Override
    public void write(ModelConfig c, ObjectNode o) {
        o.put("hidden_act", "silu");
        if (dialect != Dialect.QWEN2) {
            o.put("attention_bias", c.qkvBias());
        }
        o.put("mlp_bias", c.mlpBias());
        if (dialect == Dialect.MISTRAL) {
            if (c.slidingWindow() > 0) {
                o.put("sliding_window", c.slidingWindow());
            } else {
                o.putNull("sliding_window");
            }
        } else if (dialect == Dialect.QWEN2) {
            o.put("use_sliding_window", c.slidingWindow() > 0);
            o.put("sliding_window", c.slidingWindow() > 0 ? c.slidingWindow() : c.maxPositionEmbeddings());
            o.put("max_window_layers", c.maxWindowLayers());
        }
    }
}
