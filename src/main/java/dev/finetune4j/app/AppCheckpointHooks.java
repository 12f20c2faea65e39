package dev.finetune4j.app;

import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.composer.ComposerIntegrations;
import dev.finetune4j.checkpoint.composer.PyJson;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.peft.PeftAdapter;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.engine.generate.GenerationOptions;
import dev.finetune4j.engine.generate.Generator;
import dev.finetune4j.engine.generate.StopTokens;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.train.CheckpointHooks;
import dev.finetune4j.tokenizer.ChatTemplate;
import dev.finetune4j.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The application's side of checkpoints and exports: Composer's {@code huggingface} integration (config + tokenizer
 * so Composer/llm-foundry can rebuild the model) and metadata, the final Hugging Face folder (full fine-tuning,
 * float32 like HuggingFaceCheckpointer's default) or PEFT adapter (LoRA), and eval-prompt samples rendered with
 * the model's chat template and decoded with HF's sampling defaults for eval prompts (max_new_tokens 100,
 * temperature 1, top_k 50, top_p 0.95).
 */
final class AppCheckpointHooks implements CheckpointHooks {
    private final RunConfig config;
    private final HfModelFolder base;
    private final TextTokenizer tokenizer;
    private final int worldSize;
    private Map<String, Object> integrations;

    AppCheckpointHooks(RunConfig config, HfModelFolder base, TextTokenizer tokenizer) {
        this(config, base, tokenizer, 1);
    }

    /** @param worldSize the job's ranks, recorded as Composer's {@code metadata.world_size} */
    AppCheckpointHooks(RunConfig config, HfModelFolder base, TextTokenizer tokenizer, int worldSize) {
        this.worldSize = worldSize;
        this.config = config;
        this.base = base;
        this.tokenizer = tokenizer;
    }

    @Override
    public Map<String, Object> integrations(CausalLm model) {
        if (integrations == null) {
            integrations = ComposerIntegrations.huggingface(base.config(), "LlamaForCausalLM", base.dir());
            if (model.lora() != null && integrations.get("huggingface") instanceof Map<?, ?> hf) {
                // as Composer's HuggingFaceModel with PEFT: the adapter config rides along for later exports
                @SuppressWarnings("unchecked")
                Map<String, Object> h = (Map<String, Object>) hf;
                h.put("peft_config", PyJson.toPython(model.peftConfig(config.model().toString()).toJson()));
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
        CheckpointExport.writeFolder(dir, base, model.stateDict(DType.FLOAT32, true));
        return dir;
    }

    @Override
    public List<Map<String, String>> samplePrompts(CausalLm model, List<String> prompts) {
        if (prompts.isEmpty()) {
            return List.of();
        }
        Optional<ChatTemplate> template = tokenizer.chatTemplate();
        Generator generator = new Generator(model);
        List<Integer> stop = StopTokens.of(model.config(), base.generationConfig(), tokenizer);
        List<Map<String, String>> out = new ArrayList<>();
        long seed = config.seed();
        for (String prompt : prompts) {
            String text = template.map(t -> t.render(List.of(Map.of("role", "user", "content", prompt)), true,
                    Map.of())).orElse(prompt);
            int[] ids = tokenizer.encode(text, template.isEmpty());
            GenerationOptions options = new GenerationOptions(100, true, 1.0, 50, 0.95, seed++, stop);
            int[] generated = generator.generate(ids, options);
            Map<String, String> sample = new LinkedHashMap<>();
            sample.put("prompt", prompt);
            sample.put("completion", tokenizer.decode(generated, true));
            out.add(sample);
        }
        return out;
    }
}
