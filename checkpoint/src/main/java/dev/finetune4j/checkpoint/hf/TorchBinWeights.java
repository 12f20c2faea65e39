package dev.finetune4j.checkpoint.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import dev.finetune4j.checkpoint.torch.TorchFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code pytorch_model.bin} (or the shards of {@code pytorch_model.bin.index.json}) read through the weights-only
 * torch reader. Each file must hold a flat dict of tensors; contiguous tensors stay memory-mapped.
 */
final class TorchBinWeights implements TensorSource.InMemory {
    private final Path path;
    private final Map<String, StoredTensor> tensors;

    private TorchBinWeights(Path path, Map<String, StoredTensor> tensors) {
        this.path = path;
        this.tensors = tensors;
    }

    static TorchBinWeights open(Path p) {
        Map<String, StoredTensor> all = new LinkedHashMap<>();
        if (p.getFileName().toString().endsWith(".index.json")) {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(Files.readString(p));
            } catch (java.nio.charset.CharacterCodingException e) {
                throw CheckpointFormatException.of(p, "not UTF-8 text (it holds bytes that are not valid UTF-8)", e);
            } catch (IOException e) {
                throw CheckpointFormatException.of(p, "cannot read the index: " + e.getMessage(), e);
            }
            JsonNode map = root == null ? null : root.get("weight_map");
            if (map == null || !map.isObject()) {
                throw CheckpointFormatException.of(p, "no 'weight_map' object");
            }
            Set<String> files = new LinkedHashSet<>();
            for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
                files.add(it.next().asText());
            }
            for (String f : files) {
                Path shard = p.resolveSibling(f);
                if (f.contains("/") || !Files.isRegularFile(shard)) {
                    throw CheckpointFormatException.of(p, "shard '" + f + "' does not exist next to the index");
                }
                all.putAll(readFlat(shard));
            }
            for (Iterator<String> it = map.fieldNames(); it.hasNext(); ) {
                String n = it.next();
                if (!all.containsKey(n)) {
                    throw CheckpointFormatException.of(p, "tensor '" + n + "' is listed but not in its shard");
                }
            }
        } else {
            all.putAll(readFlat(p));
        }
        return new TorchBinWeights(p, all);
    }

    private static Map<String, StoredTensor> readFlat(Path file) {
        Object o = TorchFile.read(file);
        if (!(o instanceof Map<?, ?> m)) {
            throw CheckpointFormatException.of(file, "does not hold a dict of tensors");
        }
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof StoredTensor t)) {
                throw CheckpointFormatException.of(file, "entry '" + e.getKey() + "' is not a named tensor");
            }
            out.put(k, t);
        }
        return out;
    }

    /** The {@code .bin} file or its index. */
    public Path path() {
        return path;
    }

    @Override
    public Map<String, StoredTensor> tensorMap() {
        return tensors;
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public void close() {
        // mappings are released by the garbage collector
    }
}
