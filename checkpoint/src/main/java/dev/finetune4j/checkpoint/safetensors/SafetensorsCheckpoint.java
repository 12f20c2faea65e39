package dev.finetune4j.checkpoint.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's safetensors weights: a single file, or the shards listed by a Hugging Face
 * {@code *.safetensors.index.json}. Every shard named in the index is opened and validated; a tensor listed in the
 * weight map but missing from its shard, or present in a shard but not listed, is an error.
 */
public final class SafetensorsCheckpoint implements TensorSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path source;
    private final Map<String, SafetensorsFile> byTensor;
    private final List<String> names;
    private final List<SafetensorsFile> files;

    private SafetensorsCheckpoint(Path source, Map<String, SafetensorsFile> byTensor, List<String> names,
                                  List<SafetensorsFile> files) {
        this.source = source;
        this.byTensor = byTensor;
        this.names = names;
        this.files = files;
    }

    /** Opens a {@code .safetensors} file or a {@code .safetensors.index.json} index and its shards. */
    public static SafetensorsCheckpoint open(Path path) {
        if (path.getFileName().toString().endsWith(".index.json")) {
            return openIndex(path);
        }
        SafetensorsFile f = SafetensorsFile.open(path);
        Map<String, SafetensorsFile> by = new LinkedHashMap<>();
        for (String n : f.names()) {
            by.put(n, f);
        }
        return new SafetensorsCheckpoint(path, by, f.names(), List.of(f));
    }

    private static SafetensorsCheckpoint openIndex(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(index));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw CheckpointFormatException.of(index, "not UTF-8 text (it holds bytes that are not valid UTF-8)", e);
        } catch (IOException e) {
            throw CheckpointFormatException.of(index, "cannot read the index: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw CheckpointFormatException.of(index, "no 'weight_map' object");
        }
        Path dir = index.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> by = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw CheckpointFormatException.of(index, "weight_map entry '" + e.getKey() + "' is not a file name");
            }
            String shard = e.getValue().asText();
            Path shardPath = dir.resolve(shard).normalize();
            if (!shardPath.startsWith(dir) || shard.contains("/") || shard.contains("\\")) {
                throw CheckpointFormatException.of(index, "weight_map entry '" + e.getKey() + "' names '" + shard
                        + "', which is not a file in the same folder");
            }
            if (!Files.isRegularFile(shardPath)) {
                throw CheckpointFormatException.of(index, "shard '" + shard + "' (for tensor '" + e.getKey()
                        + "') does not exist");
            }
            SafetensorsFile f = shards.computeIfAbsent(shard, s -> SafetensorsFile.open(shardPath));
            if (!f.contains(e.getKey())) {
                throw CheckpointFormatException.of(index, "tensor '" + e.getKey() + "' is mapped to '" + shard
                        + "' but that shard has no such tensor");
            }
            by.put(e.getKey(), f);
        }
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, SafetensorsFile> s : new java.util.TreeMap<>(shards).entrySet()) {
            for (String n : s.getValue().names()) {
                SafetensorsFile mapped = by.get(n);
                if (mapped != s.getValue()) {
                    throw CheckpointFormatException.of(index, "shard '" + s.getKey() + "' holds tensor '" + n
                            + "', which the weight_map " + (mapped == null ? "does not list" : "maps elsewhere"));
                }
                names.add(n);
            }
        }
        return new SafetensorsCheckpoint(index, by, Collections.unmodifiableList(names), List.copyOf(shards.values()));
    }

    /** The file or index this was opened from. */
    public Path source() {
        return source;
    }

    /** Tensor names: shard by shard in file-name order, each in data-offset order. */
    public List<String> names() {
        return names;
    }

    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    /** The named tensor (a slice of its shard's mapping). */
    public StoredTensor tensor(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw CheckpointFormatException.of(source, "no tensor named '" + name + "'");
        }
        return f.tensor(name);
    }

    /** The opened files (one, or the shards). */
    public List<SafetensorsFile> files() {
        return files;
    }

    @Override
    public void close() {
        for (SafetensorsFile f : files) {
            f.close();
        }
    }
}
