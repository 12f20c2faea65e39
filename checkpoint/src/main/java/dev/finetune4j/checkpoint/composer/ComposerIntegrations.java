package dev.finetune4j.checkpoint.composer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builders for the {@code state['integrations']} and {@code state['metadata']} entries Composer writes
 * (docs/formats.md §3.1), so that llm-foundry's {@code convert_composer_to_hf} can rebuild the HF folder.
 */
public final class ComposerIntegrations {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ComposerIntegrations() {
    }

    /**
     * {@code {'huggingface': {'model': {'config': {...}}, 'tokenizer': {...}}}}: the config.json content and class
     * ({@code modelClass}: the importable class path Composer's HuggingFaceModel writes as {@code config.class},
     * {@code module.__name__ + '.' + class name}, e.g.
     * {@code transformers.models.llama.modeling_llama.LlamaForCausalLM}; the engine's model family supplies it),
     * and every tokenizer file of {@code tokenizerDir} (JSON files as dicts, .txt as lists of lines, .model as
     * bytes, others as text). {@code tokenizerDir} may be null.
     */
    public static Map<String, Object> huggingface(ObjectNode config, String modelClass, Path tokenizerDir) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("file_extension", ".json");
        cfg.put("content", PyJson.toPython(config));
        cfg.put("class", modelClass);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("config", cfg);
        Map<String, Object> tokenizer = new LinkedHashMap<>();
        if (tokenizerDir != null) {
            for (String f : HfModelFolder.TOKENIZER_FILES) {
                Path p = tokenizerDir.resolve(f);
                if (Files.isRegularFile(p)) {
                    tokenizer.put(f.substring(0, f.lastIndexOf('.')), tokenizerEntry(p));
                }
            }
        }
        Map<String, Object> hf = new LinkedHashMap<>();
        hf.put("model", model);
        hf.put("tokenizer", tokenizer);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("huggingface", hf);
        return out;
    }

    /**
     * {@code huggingface.peft_config} as Composer writes it: {@code {'file_extension': '.json', 'content':
     * adapter_config.json}}.
     */
    public static Map<String, Object> peftConfigEntry(JsonNode adapterConfig) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("file_extension", ".json");
        e.put("content", PyJson.toPython(adapterConfig));
        return e;
    }

    /**
     * The adapter_config.json content of a {@code huggingface.peft_config} entry: Composer's
     * {@code {file_extension, content}} shape, or the bare dict earlier versions of this project wrote.
     */
    public static Object peftConfigContent(Object entry) {
        if (entry instanceof Map<?, ?> m && m.get("content") instanceof Map<?, ?> content
                && ".json".equals(m.get("file_extension"))) {
            return content;
        }
        return entry;
    }

    private static Map<String, Object> tokenizerEntry(Path p) {
        String name = p.getFileName().toString();
        String ext = name.substring(name.lastIndexOf('.'));
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("file_extension", ext);
        try {
            switch (ext) {
                case ".json":
                    e.put("content", PyJson.toPython(JSON.readTree(p.toFile())));
                    break;
                case ".txt":
                    List<Object> lines = new ArrayList<>(Files.readAllLines(p));
                    e.put("content", lines);
                    break;
                case ".model":
                    e.put("content", Files.readAllBytes(p));
                    break;
                default:
                    e.put("content", Files.readString(p));
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read tokenizer file " + p + ": " + ex.getMessage(), ex);
        }
        return e;
    }

    /** {@code state['metadata']} with the fields Composer writes; {@code torchVersion} is informational. */
    public static Map<String, Object> metadata(String device, String precision, int worldSize,
                                               Object microbatchSize, long trainBatchSize, String torchVersion) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("composer_env_info", new LinkedHashMap<>(Map.of("composer_version", "finetune4j")));
        m.put("torch_version", torchVersion);
        m.put("device", device);
        m.put("precision", precision);
        m.put("world_size", (long) worldSize);
        m.put("device_train_microbatch_size", microbatchSize instanceof Integer i ? (Object) (long) i : microbatchSize);
        m.put("train_dataloader_batch_size", trainBatchSize);
        return m;
    }
}
