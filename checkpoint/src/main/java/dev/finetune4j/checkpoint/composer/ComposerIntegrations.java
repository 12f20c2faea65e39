package dev.finetune4j.checkpoint.composer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.CheckpointFormatException;
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
     * {@code {'huggingface': {'model': {'config': {...}}, 'tokenizer': {...}}}}: the config.json content and class,
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
     * The importable class path Composer's HuggingFaceModel writes as {@code config.class}
     * ({@code module.__name__ + '.' + class name}) for a config.json: the family's causal-LM class,
     * e.g. {@code transformers.models.llama.modeling_llama.LlamaForCausalLM}, so that Composer's
     * {@code hf_from_composer_checkpoint} can import it (docs/formats.md "Composer checkpoints").
     * LoRA runs name the base model's class too: the adapter config rides along as {@code peft_config}.
     *
     * @throws CheckpointFormatException when {@code model_type} is missing or not a module name
     */
    public static String modelClass(ObjectNode config) {
        JsonNode type = config.get("model_type");
        if (type == null || !type.isTextual() || !type.asText().matches("[a-z][a-z0-9_]*")) {
            throw new CheckpointFormatException("config.json: model_type " + (type == null ? "is missing"
                    : type + " is not a transformers model type") + "; cannot name the model class");
        }
        String t = type.asText();
        String cls = switch (t) {
            case "llama" -> "LlamaForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> null;
        };
        JsonNode arch = config.get("architectures");
        if (cls == null && arch != null && arch.isArray() && arch.size() > 0 && arch.get(0).isTextual()
                && arch.get(0).asText().matches("[A-Za-z0-9_]+ForCausalLM")) {
            cls = arch.get(0).asText();
        }
        if (cls == null) {
            throw new CheckpointFormatException("config.json: model_type '" + t + "' has no known causal-LM class;"
                    + " supported: llama, mistral, qwen2");
        }
        return "transformers.models." + t + ".modeling_" + t + "." + cls;
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
