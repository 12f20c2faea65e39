package dev.finetune4j.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.checkpoint.DType;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerIntegrations;
import dev.finetune4j.checkpoint.composer.PyJson;
import dev.finetune4j.checkpoint.hf.HfModelFolder;
import dev.finetune4j.checkpoint.hf.HfModelWriter;
import dev.finetune4j.checkpoint.hf.HfWriteOptions;
import dev.finetune4j.checkpoint.peft.PeftAdapter;
import dev.finetune4j.checkpoint.peft.PeftConfig;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.engine.generate.GenerationOptions;
import dev.finetune4j.engine.generate.Generator;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.train.CheckpointHooks;
import dev.finetune4j.tokenizer.ChatTemplate;
import dev.finetune4j.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
    private Map<String, Object> integrations;

    AppCheckpointHooks(RunConfig config, HfModelFolder base, TextTokenizer tokenizer) {
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
                h.put("peft_config", PyJson.toPython(peftConfig(model).toJson()));
            }
        }
        return integrations;
    }

    @Override
    public Map<String, Object> metadata(CausalLm model) {
        return ComposerIntegrations.metadata(model.device().toString(), model.options().precision().name()
                .toLowerCase(java.util.Locale.ROOT), 1, config.microBatchSize(), config.globalBatchSize(), "2.7.1");
    }

    @Override
    public Path export(CausalLm model, Path dir, boolean mergeLora) {
        if (model.lora() != null && !mergeLora) {
            PeftAdapter.write(dir, peftConfig(model), model.loraStateDict(), DType.FLOAT32, base.dir());
            return dir;
        }
        LinkedHashMap<String, StoredTensor> weights = model.stateDict(DType.FLOAT32, true);
        ObjectNode cfg = base.config().deepCopy();
        cfg.put("torch_dtype", "float32");
        HfWriteOptions options = HfWriteOptions.defaults()
                .withDtype(DType.FLOAT32)
                .withTiedLmHead(model.config().tieWordEmbeddings())
                .withGenerationConfig(base.generationConfig().orElse(null))
                .withTokenizerSourceDir(base.dir());
        HfModelWriter.write(dir, cfg, new ArrayList<>(weights.keySet()), weights::get, options);
        return dir;
    }

    /** The PEFT adapter_config of the model's LoRA settings. */
    static PeftConfig peftConfig(CausalLm model, String baseModel) {
        var l = model.lora();
        PeftConfig peft = PeftConfig.lora(l.r(), l.alpha(), l.dropout(), l.targetModules(), baseModel);
        if (l.rslora()) {
            peft = new PeftConfig(peft.r(), peft.loraAlpha(), peft.loraDropout(), peft.targetModules(),
                    peft.baseModelNameOrPath(), true, peft.bias(), peft.taskType(), peft.peftType(),
                    peft.fanInFanOut(), peft.initLoraWeights(), peft.modulesToSave(), peft.extra());
        }
        return peft;
    }

    private PeftConfig peftConfig(CausalLm model) {
        return peftConfig(model, config.model().toString());
    }

    @Override
    public List<Map<String, String>> samplePrompts(CausalLm model, List<String> prompts) {
        if (prompts.isEmpty()) {
            return List.of();
        }
        Optional<ChatTemplate> template = tokenizer.chatTemplate();
        Generator generator = new Generator(model);
        List<Map<String, String>> out = new ArrayList<>();
        long seed = config.seed();
        for (String prompt : prompts) {
            String text = template.map(t -> t.render(List.of(Map.of("role", "user", "content", prompt)), true,
                    Map.of())).orElse(prompt);
            int[] ids = tokenizer.encode(text, template.isEmpty());
            GenerationOptions options = new GenerationOptions(100, true, 1.0, 50, 0.95, seed++, eosIds(model));
            int[] generated = generator.generate(ids, options);
            Map<String, String> sample = new LinkedHashMap<>();
            sample.put("prompt", prompt);
            sample.put("completion", tokenizer.decode(generated, true));
            out.add(sample);
        }
        return out;
    }

    private List<Integer> eosIds(CausalLm model) {
        Set<Integer> ids = new LinkedHashSet<>();
        tokenizer.eosTokenId().ifPresent(ids::add);
        base.generationConfig().ifPresent(g -> {
            var e = g.get("eos_token_id");
            if (e != null && e.isInt()) {
                ids.add(e.intValue());
            } else if (e != null && e.isArray()) {
                e.forEach(x -> ids.add(x.intValue()));
            }
        });
        return new ArrayList<>(ids);
    }
}
