package dev.finetune4j.checkpoint.hf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.AtomicFiles;
import dev.finetune4j.checkpoint.PythonJson;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.TensorConversions;
import dev.finetune4j.checkpoint.safetensors.SafetensorsWriter;
import dev.finetune4j.checkpoint.safetensors.ShardedSafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Writes a Hugging Face model folder as llm-foundry's HuggingFaceCheckpointer does (docs/formats.md §4.2):
 * {@code config.json} with {@code torch_dtype} set to the written precision, {@code generation_config.json},
 * {@code model.safetensors} or 1 GB shards plus index (metadata {"format":"pt"}), tied {@code lm_head.weight} left
 * out, tokenizer files copied. The whole folder appears at once (built in a temporary sibling, then renamed).
 */
public final class HfModelWriter {
    private HfModelWriter() {
    }

    /**
     * Writes the folder. {@code tensors} is called once per written name, in order; at most one shard of tensors
     * is held at a time.
     */
    public static void write(Path outDir, ObjectNode config, List<String> names, Function<String, StoredTensor> tensors,
                             HfWriteOptions options) {
        HfWriteOptions opt = options == null ? HfWriteOptions.defaults() : options;
        List<String> written = new ArrayList<>();
        for (String n : names) {
            if (opt.tiedLmHead() && n.equals("lm_head.weight")) {
                continue;
            }
            written.add(n);
        }
        ObjectNode cfg = config.deepCopy();
        if (opt.dtype() != null) {
            if (cfg.has("dtype")) {
                cfg.put("dtype", opt.dtype().torchName());
            } else {
                cfg.put("torch_dtype", opt.dtype().torchName());
            }
        }
        if (opt.tiedLmHead()) {
            cfg.put("tie_word_embeddings", true);
        }
        Function<String, StoredTensor> cast = opt.dtype() == null ? tensors
                : n -> TensorConversions.cast(tensors.apply(n), opt.dtype());
        FolderSwap.create(outDir, tmp -> {
            // transformers: json.dumps(config, indent=2, sort_keys=True) + "\n"
            AtomicFiles.writeString(tmp.resolve("config.json"), PythonJson.dumps(cfg, true) + "\n");
            if (opt.generationConfig().isPresent()) {
                AtomicFiles.writeString(tmp.resolve("generation_config.json"),
                        PythonJson.dumps(opt.generationConfig().get(), true) + "\n");
            }
            copyTokenizer(opt.tokenizerSourceDir(), tmp);
            ShardedSafetensorsWriter.write(tmp, "model", written, cast, opt.maxShardBytes(),
                    SafetensorsWriter.PT_METADATA);
        });
    }

    static void copyTokenizer(Path source, Path dest) throws IOException {
        if (source == null) {
            return;
        }
        if (!Files.isDirectory(source)) {
            throw new java.io.FileNotFoundException("tokenizer source folder " + source + " does not exist");
        }
        for (String f : HfModelFolder.TOKENIZER_FILES) {
            Path p = source.resolve(f);
            if (Files.isRegularFile(p)) {
                AtomicFiles.write(dest.resolve(f), Files.readAllBytes(p));
            }
        }
    }
}
