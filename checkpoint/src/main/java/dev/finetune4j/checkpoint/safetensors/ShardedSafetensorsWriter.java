package dev.finetune4j.checkpoint.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.AtomicFiles;
import dev.finetune4j.checkpoint.PythonJson;
import dev.finetune4j.checkpoint.StoredTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Writes a Hugging Face sharded safetensors checkpoint in one pass over the tensors (huggingface_hub's
 * {@code split_state_dict_into_shards} rule: tensors fill a shard in order until the next would pass the limit; a
 * tensor larger than the limit gets a shard of its own). One shard is written as {@code <base>.safetensors}; several
 * as {@code <base>-0000i-of-0000N.safetensors} plus {@code <base>.safetensors.index.json}, the index written last.
 * At most one shard's tensors are held at a time.
 */
public final class ShardedSafetensorsWriter {
    /** HF's default {@code max_shard_size} "1GB" (decimal). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 1_000_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper();

    private ShardedSafetensorsWriter() {
    }

    /**
     * Writes the tensors into {@code dir}; returns the file names written (shards, then the index if any).
     *
     * @param base file name stem, "model" for HF model folders
     */
    public static List<String> write(Path dir, String base, List<String> names, Function<String, StoredTensor> tensors,
                                     long maxShardBytes, Map<String, String> metadata) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        List<Path> temps = new ArrayList<>();
        List<List<String>> shardNames = new ArrayList<>();
        long total = 0;
        try {
            Files.createDirectories(dir);
            LinkedHashMap<String, StoredTensor> current = new LinkedHashMap<>();
            long currentBytes = 0;
            for (String n : names) {
                StoredTensor t = tensors.apply(n);
                if (t == null) {
                    throw new IllegalArgumentException("no tensor supplied for '" + n + "'");
                }
                total += t.byteSize();
                if (t.byteSize() > maxShardBytes) {
                    LinkedHashMap<String, StoredTensor> own = new LinkedHashMap<>();
                    own.put(n, t);
                    flush(dir, own, metadata, temps, shardNames);
                    continue;
                }
                if (currentBytes + t.byteSize() > maxShardBytes && !current.isEmpty()) {
                    flush(dir, current, metadata, temps, shardNames);
                    current = new LinkedHashMap<>();
                    currentBytes = 0;
                }
                if (current.put(n, t) != null) {
                    throw new IllegalArgumentException("tensor name '" + n + "' given twice");
                }
                currentBytes += t.byteSize();
            }
            if (!current.isEmpty() || shardNames.isEmpty()) {
                flush(dir, current, metadata, temps, shardNames);
            }
            List<String> written = new ArrayList<>();
            int n = temps.size();
            if (n == 1) {
                String name = base + ".safetensors";
                AtomicFiles.moveAtomically(temps.get(0), dir.resolve(name));
                written.add(name);
            } else {
                Map<String, String> weightMap = new TreeMap<>();
                for (int i = 0; i < n; i++) {
                    String name = String.format("%s-%05d-of-%05d.safetensors", base, i + 1, n);
                    AtomicFiles.moveAtomically(temps.get(i), dir.resolve(name));
                    written.add(name);
                    for (String t : shardNames.get(i)) {
                        weightMap.put(t, name);
                    }
                }
                ObjectNode index = JSON.createObjectNode();
                index.putObject("metadata").put("total_size", total);
                ObjectNode wm = index.putObject("weight_map");
                weightMap.forEach(wm::put);
                String indexName = base + ".safetensors.index.json";
                AtomicFiles.writeString(dir.resolve(indexName), PythonJson.dumps(index, true) + "\n");
                written.add(indexName);
            }
            temps.clear();
            AtomicFiles.fsyncDirectory(dir);
            return written;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write shards to " + dir + ": " + e.getMessage(), e);
        } finally {
            for (Path p : temps) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // our own temp file
                }
            }
        }
    }

    private static void flush(Path dir, Map<String, StoredTensor> shard, Map<String, String> metadata,
                              List<Path> temps, List<List<String>> shardNames) throws IOException {
        Path tmp = Files.createTempFile(dir, ".shard-" + (temps.size() + 1) + ".", ".tmp");
        temps.add(tmp);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            SafetensorsWriter.writeTo(ch, shard, metadata);
            ch.force(true);
        }
        shardNames.add(new ArrayList<>(shard.keySet()));
    }
}
