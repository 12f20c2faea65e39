package dev.finetune4j.checkpoint.hf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.safetensors.ShardedSafetensorsWriter;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How {@link HfModelWriter} writes a model folder.
 *
 * @param dtype floating-point dtype every float tensor is cast to (config {@code torch_dtype} follows), or null to
 *              keep each tensor's dtype
 * @param maxShardBytes shard limit in bytes; HuggingFaceCheckpointer's default is "1GB" = 10^9
 * @param tiedLmHead when true {@code lm_head.weight} is omitted (tie_word_embeddings)
 * @param generationConfig written as generation_config.json when present
 * @param tokenizerSourceDir folder whose tokenizer files are copied, or null
 */
public record HfWriteOptions(DType dtype, long maxShardBytes, boolean tiedLmHead,
                             Optional<ObjectNode> generationConfig, Path tokenizerSourceDir) {
    public HfWriteOptions {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        if (dtype != null && !dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("dtype must be float32, float16, bfloat16 or float64, got "
                    + dtype.torchName());
        }
        generationConfig = generationConfig == null ? Optional.empty() : generationConfig;
    }

    /** Keep dtypes, 1 GB shards, untied, no generation config, no tokenizer. */
    public static HfWriteOptions defaults() {
        return new HfWriteOptions(null, ShardedSafetensorsWriter.DEFAULT_MAX_SHARD_BYTES, false, Optional.empty(), null);
    }

    public HfWriteOptions withDtype(DType d) {
        return new HfWriteOptions(d, maxShardBytes, tiedLmHead, generationConfig, tokenizerSourceDir);
    }

    public HfWriteOptions withMaxShardBytes(long bytes) {
        return new HfWriteOptions(dtype, bytes, tiedLmHead, generationConfig, tokenizerSourceDir);
    }

    public HfWriteOptions withTiedLmHead(boolean tied) {
        return new HfWriteOptions(dtype, maxShardBytes, tied, generationConfig, tokenizerSourceDir);
    }

    public HfWriteOptions withGenerationConfig(ObjectNode g) {
        return new HfWriteOptions(dtype, maxShardBytes, tiedLmHead, Optional.ofNullable(g), tokenizerSourceDir);
    }

    public HfWriteOptions withTokenizerSourceDir(Path d) {
        return new HfWriteOptions(dtype, maxShardBytes, tiedLmHead, generationConfig, d);
    }
}
