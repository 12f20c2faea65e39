package dev.finetune4j.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import dev.finetune4j.checkpoint.composer.ComposerIntegrations;
import dev.finetune4j.checkpoint.composer.PyJson;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.hf.HfModelWriter;
import dev.finetune4j.checkpoint.hf.HfWriteOptions;
import dev.finetune4j.checkpoint.peft.PeftAdapter;
import dev.finetune4j.checkpoint.peft.PeftConfig;
import dev.finetune4j.engine.lora.LoraOptions;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.model.ModelConfig;
import dev.finetune4j.engine.model.ModelOptions;
import dev.finetune4j.engine.model.StateDictCheck;
import dev.finetune4j.engine.model.StateDictException;
import dev.finetune4j.engine.model.arch.ParameterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code finetune4j export}: a Composer checkpoint (file, {@code *.symlink} or sharded folder) to a Hugging Face
 * model folder, like llm-foundry's {@code convert_composer_to_hf}. Full fine-tuning checkpoints become a model
 * folder with the base folder's config, generation config and tokenizer; LoRA checkpoints become a PEFT adapter, or
 * with {@code merge} a merged model folder.
 */
public final class CheckpointExport {
    private CheckpointExport() {
    }

    /** What was written. */
    public record Exported(Path dir, String kind, int tensors) {
    }

    public static Exported export(Path checkpoint, Path baseDir, Path out, boolean merge) {
        Path file = resolve(checkpoint);
        LinkedHashMap<String, StoredTensor> weights = ComposerCheckpoint.readWeightsOnly(file);
        boolean lora = weights.keySet().stream().anyMatch(ParameterRegistry::looksLikeAdapter);
        try (HfModelFolder base = HfModelFolder.hasWeights(baseDir) ? HfModelFolder.open(baseDir)
                : HfModelFolder.openConfigOnly(baseDir)) {
            ModelConfig modelConfig = ModelConfig.fromJson(base.config());
            if (!lora) {
                requireMatch(StateDictCheck.of(modelConfig, weights), file, baseDir);
                writeFolder(out, base, weights, modelConfig.tieWordEmbeddings());
                return new Exported(out, "huggingface", weights.size());
            }
            PeftConfig peft = peftConfig(file);
            requireMatch(StateDictCheck.ofAdapter(modelConfig, weights, peft.r()), file, baseDir);
            LinkedHashMap<String, StoredTensor> adapter = new LinkedHashMap<>();
            weights.forEach((k, v) -> adapter.put(PeftAdapter.savedKey(k), v));
            if (!merge) {
                PeftAdapter.write(out, peft, adapter, DType.FLOAT32, baseDir);
                return new Exported(out, "peft", adapter.size());
            }
            if (!HfModelFolder.hasWeights(baseDir)) {
                throw new CheckpointFormatException(baseDir + ": merging a LoRA adapter needs the base model's "
                        + "weights, and this folder holds none");
            }
            try (CausalLm model = CausalLm.load(base, ModelOptions.cpu().withLora(LoraOptions.fromPeft(peft)))) {
                model.loadStateDict(adapter, false);
                LinkedHashMap<String, StoredTensor> merged = model.stateDict(DType.FLOAT32, true);
                writeFolder(out, base, merged, modelConfig.tieWordEmbeddings());
                return new Exported(out, "merged", merged.size());
            }
        }
    }

    /**
     * A Hugging Face model folder from float32 weights: the base folder's config (torch_dtype float32, as
     * HuggingFaceCheckpointer's default precision), generation config and tokenizer files; lm_head omitted when
     * {@code tied} (the model's {@code tie_word_embeddings}, with its family's default).
     */
    static void writeFolder(Path out, HfModelFolder base, LinkedHashMap<String, StoredTensor> weights, boolean tied) {
        ObjectNode cfg = base.config().deepCopy();
        cfg.put("torch_dtype", "float32");
        HfWriteOptions options = HfWriteOptions.defaults().withDtype(DType.FLOAT32).withTiedLmHead(tied)
                .withGenerationConfig(base.generationConfig().orElse(null)).withTokenizerSourceDir(base.dir());
        HfModelWriter.write(out, cfg, new ArrayList<>(weights.keySet()), weights::get, options);
    }

    /** Refuses (writing nothing) a checkpoint whose tensors do not fit the base model's config.json. */
    private static void requireMatch(StateDictCheck check, Path file, Path baseDir) {
        if (!check.ok()) {
            throw new StateDictException(file + " does not match the model of " + baseDir.resolve("config.json")
                    + "; nothing was written" + check.describe());
        }
    }

    private static Path resolve(Path checkpoint) {
        if (!Files.exists(checkpoint)) {
            throw new CheckpointFormatException(checkpoint + ": no such checkpoint file or folder");
        }
        if (checkpoint.getFileName().toString().endsWith(".symlink")) {
            return ComposerCheckpoints.resolveSymlinkFile(checkpoint);
        }
        return checkpoint;
    }

    /** The adapter config a LoRA run stored under integrations.huggingface.peft_config. */
    private static PeftConfig peftConfig(Path file) {
        if (Files.isDirectory(file)) {
            throw new CheckpointFormatException(file + ": LoRA export from a sharded checkpoint is not supported; "
                    + "export a monolithic .pt checkpoint");
        }
        ComposerCheckpoint cp = ComposerCheckpoint.read(file);
        if (cp.integrations().get("huggingface") instanceof Map<?, ?> hf && hf.get("peft_config") != null) {
            JsonNode json = PyJson.toJson(ComposerIntegrations.peftConfigContent(hf.get("peft_config")));
            return PeftConfig.fromJson(json, file + " (integrations.huggingface.peft_config)");
        }
        throw new CheckpointFormatException(file + ": the checkpoint holds LoRA weights but no "
                + "integrations.huggingface.peft_config, so r/alpha/target_modules are unknown");
    }
}
