package dev.finetune4j.checkpoint.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.checkpoint.safetensors.SafetensorsCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Hugging Face model folder opened for reading: {@code config.json} (normalised to the v4 spelling, the original
 * kept as {@link #rawConfig()}), {@code generation_config.json}, tokenizer files and the weights — looked for in the
 * order {@code model.safetensors.index.json}, {@code model.safetensors}, {@code pytorch_model.bin.index.json},
 * {@code pytorch_model.bin}. Safetensors weights are memory-mapped, never copied onto the heap.
 */
public final class HfModelFolder implements TensorSource {
    /** Tokenizer files a model folder may carry (copied by {@link HfModelWriter}). */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "chat_template.jinja", "chat_template.json", "vocab.json",
            "merges.txt", "added_tokens.json");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final ObjectNode rawConfig;
    private final ObjectNode config;
    private final ObjectNode generationConfig;
    private final TensorSource weights;
    private final Path weightsPath;

    private HfModelFolder(Path dir, ObjectNode rawConfig, ObjectNode generationConfig, TensorSource weights,
                          Path weightsPath) {
        this.dir = dir;
        this.rawConfig = rawConfig;
        this.config = HfConfigs.normalize(rawConfig);
        this.generationConfig = generationConfig;
        this.weights = weights;
        this.weightsPath = weightsPath;
    }

    /** Opens a model folder; errors name the missing or malformed file. */
    public static HfModelFolder open(Path dir) {
        return open(dir, true);
    }

    private static HfModelFolder open(Path dir, boolean withWeights) {
        if (!Files.isDirectory(dir)) {
            throw CheckpointFormatException.of(dir, "not a model folder (no such directory)");
        }
        Path cfg = dir.resolve("config.json");
        if (!Files.isRegularFile(cfg)) {
            throw CheckpointFormatException.of(dir, "no config.json in the model folder");
        }
        ObjectNode raw = readObject(cfg);
        Path gen = dir.resolve("generation_config.json");
        ObjectNode genCfg = Files.isRegularFile(gen) ? readObject(gen) : null;
        if (!withWeights) {
            return new HfModelFolder(dir, raw, genCfg, TensorSource.of(List.of(), name -> false, name -> {
                throw new IllegalArgumentException("no tensor '" + name + "': the folder was opened without weights");
            }), null);
        }
        return new HfModelFolder(dir, raw, genCfg, openWeights(dir), weightsFile(dir));
    }

    /** Whether {@code dir} holds weights (safetensors, sharded or single, or pytorch_model*.bin). */
    public static boolean hasWeights(Path dir) {
        return WEIGHT_FILES.stream().anyMatch(f -> Files.isRegularFile(dir.resolve(f)));
    }

    /**
     * Opens a model folder that holds only configuration and tokenizer files (a from-scratch run): no tensors,
     * {@link #weightsPath()} is null.
     */
    public static HfModelFolder openConfigOnly(Path dir) {
        HfModelFolder full = open(dir, false);
        return full;
    }

    private static final List<String> WEIGHT_FILES = List.of("model.safetensors.index.json", "model.safetensors",
            "pytorch_model.bin.index.json", "pytorch_model.bin");

    static ObjectNode readObject(Path file) {
        JsonNode n;
        try {
            n = JSON.readTree(Files.readString(file));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw CheckpointFormatException.of(file, "not UTF-8 text (it holds bytes that are not valid UTF-8)", e);
        } catch (IOException e) {
            throw CheckpointFormatException.of(file, "not valid JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw CheckpointFormatException.of(file, "must hold a JSON object");
        }
        return (ObjectNode) n;
    }

    public Path dir() {
        return dir;
    }

    /** config.json in the transformers v4 spelling ({@code rope_theta}, {@code rope_scaling}, {@code torch_dtype}). */
    public ObjectNode config() {
        return config.deepCopy();
    }

    /** config.json as stored. */
    public ObjectNode rawConfig() {
        return rawConfig.deepCopy();
    }

    /** generation_config.json when present. */
    public Optional<ObjectNode> generationConfig() {
        return Optional.ofNullable(generationConfig).map(ObjectNode::deepCopy);
    }

    /** Tokenizer files present in the folder (see {@link #TOKENIZER_FILES}). */
    public List<Path> tokenizerFiles() {
        List<Path> out = new ArrayList<>();
        for (String f : TOKENIZER_FILES) {
            Path p = dir.resolve(f);
            if (Files.isRegularFile(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** The weight file or index the tensors come from. */
    public Path weightsPath() {
        return weightsPath;
    }

    /** Tensor names in file order. */
    @Override
    public List<String> names() {
        return weights.names();
    }

    @Override
    public boolean contains(String name) {
        return weights.contains(name);
    }

    /** The named tensor: mmap-backed for safetensors. */
    @Override
    public StoredTensor tensor(String name) {
        return weights.tensor(name);
    }

    @Override
    public void close() {
        weights.close();
    }

    /** Opens the folder's weights: safetensors (memory-mapped, single or sharded) or torch .bin files. */
    private static TensorSource openWeights(Path dir) {
        for (String f : List.of("model.safetensors.index.json", "model.safetensors")) {
            Path p = dir.resolve(f);
            if (Files.isRegularFile(p)) {
                return SafetensorsCheckpoint.open(p);
            }
        }
        for (String f : List.of("pytorch_model.bin.index.json", "pytorch_model.bin")) {
            Path p = dir.resolve(f);
            if (Files.isRegularFile(p)) {
                return TorchBinWeights.open(p);
            }
        }
        throw CheckpointFormatException.of(dir, "no weights found: looked for model.safetensors.index.json, "
                + "model.safetensors, pytorch_model.bin.index.json and pytorch_model.bin");
    }

    /** The file the weights were found in (the index for sharded weights). */
    private static Path weightsFile(Path dir) {
        for (String f : List.of("model.safetensors.index.json", "model.safetensors", "pytorch_model.bin.index.json",
                "pytorch_model.bin")) {
            if (Files.isRegularFile(dir.resolve(f))) {
                return dir.resolve(f);
            }
        }
        return null;
    }
}
