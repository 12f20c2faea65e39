package dev.finetune4j.checkpoint.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.AtomicFiles;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.PythonJson;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorConversions;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.checkpoint.hf.FolderSwap;
import dev.finetune4j.checkpoint.safetensors.SafetensorsFile;
import dev.finetune4j.checkpoint.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PEFT LoRA adapter folder: {@code adapter_config.json} + {@code adapter_model.safetensors} (metadata
 * {"format":"pt"}) with PEFT's saved keys {@code base_model.model.<hf module>.lora_A.weight} (docs/formats.md §5).
 * Writing accepts HF module keys ({@code model.layers.0.self_attn.q_proj.lora_A.weight}), in-memory keys with
 * the adapter name ({@code ...lora_A.default.weight}) or saved keys, and normalises them to the saved form.
 *
 * @param config the LoRA config
 * @param tensors adapter weights by saved key, in file order
 */
public record PeftAdapter(PeftConfig config, LinkedHashMap<String, StoredTensor> tensors) implements TensorSource.InMemory {
    /** Prefix of saved keys. */
    public static final String PREFIX = "base_model.model.";
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    public PeftAdapter {
        tensors = new LinkedHashMap<>(tensors);
    }

    /** The adapter tensors by saved key ({@code base_model.model.<module>.lora_A.weight}), in file order. */
    @Override
    public Map<String, StoredTensor> tensorMap() {
        return tensors;
    }

    @Override
    public String describe() {
        return "PEFT adapter";
    }

    /** Writes the adapter folder atomically (as a whole), keeping tensor dtypes. */
    public static void write(Path dir, PeftConfig config, LinkedHashMap<String, StoredTensor> tensors) {
        write(dir, config, tensors, null, null);
    }

    /**
     * Writes the adapter folder atomically; {@code dtype} (nullable) casts float tensors as HuggingFaceCheckpointer's
     * precision does, {@code tokenizerSourceDir} (nullable) has its tokenizer files copied alongside.
     */
    public static void write(Path dir, PeftConfig config, LinkedHashMap<String, StoredTensor> tensors, DType dtype,
                             Path tokenizerSourceDir) {
        LinkedHashMap<String, StoredTensor> saved = new LinkedHashMap<>();
        for (var e : tensors.entrySet()) {
            String key = savedKey(e.getKey());
            StoredTensor t = dtype == null ? e.getValue() : TensorConversions.cast(e.getValue(), dtype);
            if (saved.put(key, t) != null) {
                throw new IllegalArgumentException("two adapter tensors map to the saved key '" + key + "'");
            }
        }
        FolderSwap.create(dir, tmp -> {
            AtomicFiles.writeString(tmp.resolve(CONFIG_FILE), PythonJson.dumps(config.toJson(), true));
            SafetensorsWriter.write(tmp.resolve(WEIGHTS_FILE), saved, SafetensorsWriter.PT_METADATA);
            AtomicFiles.writeString(tmp.resolve("README.md"), "---\nbase_model: "
                    + (config.baseModelNameOrPath() == null ? "" : config.baseModelNameOrPath())
                    + "\nlibrary_name: peft\n---\n\nLoRA adapter (r=" + config.r() + ", alpha="
                    + PythonJson.floatRepr(config.loraAlpha()) + ") written by finetune4j.\n");
            if (tokenizerSourceDir != null) {
                for (String f : dev.finetune4j.checkpoint.hf.HfModelFolder.TOKENIZER_FILES) {
                    Path p = tokenizerSourceDir.resolve(f);
                    if (Files.isRegularFile(p)) {
                        AtomicFiles.write(tmp.resolve(f), Files.readAllBytes(p));
                    }
                }
            }
        });
    }

    /** Reads an adapter folder; tensors stay memory-mapped. */
    public static PeftAdapter read(Path dir) {
        Path cfg = dir.resolve(CONFIG_FILE);
        Path weights = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(cfg)) {
            throw CheckpointFormatException.of(dir, "no " + CONFIG_FILE + " in the adapter folder");
        }
        if (!Files.isRegularFile(weights)) {
            throw CheckpointFormatException.of(dir, "no " + WEIGHTS_FILE + " in the adapter folder"
                    + (Files.exists(dir.resolve("adapter_model.bin")) ? " (adapter_model.bin is not supported)" : ""));
        }
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(Files.readString(cfg));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw CheckpointFormatException.of(cfg, "not UTF-8 text (it holds bytes that are not valid UTF-8)", e);
        } catch (IOException e) {
            throw CheckpointFormatException.of(cfg, "not valid JSON: " + e.getMessage(), e);
        }
        PeftConfig config = PeftConfig.fromJson(n, cfg.toString());
        SafetensorsFile f = SafetensorsFile.open(weights);
        return new PeftAdapter(config, new LinkedHashMap<>(f.tensors()));
    }

    /**
     * PEFT's saved key for a module parameter key: adds {@code base_model.model.} and drops an adapter name between
     * {@code lora_A}/{@code lora_B} and the parameter ({@code .lora_A.default.weight} → {@code .lora_A.weight}).
     */
    public static String savedKey(String key) {
        String k = key.startsWith(PREFIX) ? key : PREFIX + key;
        for (String part : List.of(".lora_A.", ".lora_B.", ".lora_embedding_A.", ".lora_embedding_B.")) {
            int i = k.indexOf(part);
            if (i >= 0) {
                String rest = k.substring(i + part.length());
                int dot = rest.indexOf('.');
                if (dot > 0 && !rest.substring(0, dot).equals("weight") && !rest.substring(0, dot).equals("bias")) {
                    k = k.substring(0, i + part.length()) + rest.substring(dot + 1);
                }
            }
        }
        return k;
    }

    /** The HF module key of a saved key ({@code base_model.model.} removed). */
    public static String moduleKey(String savedKey) {
        return savedKey.startsWith(PREFIX) ? savedKey.substring(PREFIX.length()) : savedKey;
    }
}
