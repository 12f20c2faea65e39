package dev.finetune4j.app;

import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.composer.ComposerIntegrations;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.peft.PeftAdapter;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.train.ModelExporter;
import java.nio.file.Path;
import java.util.Map;

/**
 * The application's side of checkpoints and exports: Composer's {@code huggingface} integration (config + tokenizer
 * so Composer/llm-foundry can rebuild the model) and metadata, and the final Hugging Face folder (full fine-tuning,
 * float32 like HuggingFaceCheckpointer's default) or PEFT adapter (LoRA) (docs/formats.md §3.1, §4.2, §5).
 */
final class RunExporter implements ModelExporter {
    private final RunConfig config;
    private final HfModelFolder base;
    private final int worldSize;
    private Map<String, Object> integrations;

    RunExporter(RunConfig config, HfModelFolder base) {
        this(config, base, 1);
    }

    /** @param worldSize the job's ranks, recorded as Composer's {@code metadata.world_size} */
    RunExporter(RunConfig config, HfModelFolder base, int worldSize) {
        this.worldSize = worldSize;
        this.config = config;
        this.base = base;
    }

    @Override
    public Map<String, Object> integrations(CausalLm model) {
        if (integrations == null) {
            integrations = ComposerIntegrations.huggingface(base.config(),
                    model.config().spec().hfClass(), base.dir());
            if (model.lora() != null && integrations.get("huggingface") instanceof Map<?, ?> hf) {
                // as Composer's HuggingFaceModel with PEFT: the adapter config rides along for later exports
                @SuppressWarnings("unchecked")
                Map<String, Object> h = (Map<String, Object>) hf;
                h.put("peft_config", ComposerIntegrations.peftConfigEntry(
                        model.peftConfig(config.model().toString()).toJson()));
            }
        }
        return integrations;
    }

    @Override
    public Map<String, Object> metadata(CausalLm model) {
        return ComposerIntegrations.metadata(model.device().toString(), model.options().precision().name()
                .toLowerCase(java.util.Locale.ROOT), worldSize, config.microBatchSize(), config.globalBatchSize(),
                "2.7.1");
    }

    @Override
    public Path export(CausalLm model, Path dir, boolean mergeLora) {
        if (model.lora() != null && !mergeLora) {
            PeftAdapter.write(dir, model.peftConfig(config.model().toString()), model.loraStateDict(), DType.FLOAT32,
                    base.dir());
            return dir;
        }
        CheckpointExport.writeFolder(dir, base, model.stateDict(DType.FLOAT32, true),
                model.config().tieWordEmbeddings());
        return dir;
    }
}
