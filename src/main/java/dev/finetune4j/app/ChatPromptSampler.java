package dev.finetune4j.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.engine.generate.GenerationOptions;
import dev.finetune4j.engine.generate.Generator;
import dev.finetune4j.engine.generate.StopTokens;
import dev.finetune4j.engine.model.CausalLm;
import dev.finetune4j.engine.train.PromptSampler;
import dev.finetune4j.tokenizer.ChatTemplate;
import dev.finetune4j.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Eval-prompt samples: each prompt rendered as a user turn with the model's chat template (plain text with special
 * tokens when there is none) and decoded with HF's sampling defaults for eval prompts (max_new_tokens 100,
 * temperature 1, top_k 50, top_p 0.95), seeded from the run seed (docs/training.md §11).
 */
final class ChatPromptSampler implements PromptSampler {
    private final TextTokenizer tokenizer;
    private final Optional<ObjectNode> generationConfig;
    private final long seed;

    ChatPromptSampler(TextTokenizer tokenizer, Optional<ObjectNode> generationConfig, long seed) {
        this.tokenizer = tokenizer;
        this.generationConfig = generationConfig;
        this.seed = seed;
    }

    @Override
    public List<Map<String, String>> sample(CausalLm model, List<String> prompts) {
        if (prompts.isEmpty()) {
            return List.of();
        }
        Optional<ChatTemplate> template = tokenizer.chatTemplate();
        Generator generator = new Generator(model);
        List<Integer> stop = StopTokens.of(model.config(), generationConfig, tokenizer);
        List<Map<String, String>> out = new ArrayList<>();
        long s = seed;
        for (String prompt : prompts) {
            String text = template.map(t -> t.render(List.of(Map.of("role", "user", "content", prompt)), true,
                    Map.of())).orElse(prompt);
            int[] ids = tokenizer.encode(text, template.isEmpty());
            GenerationOptions options = new GenerationOptions(100, true, 1.0, 50, 0.95, s++, stop);
            int[] generated = generator.generate(ids, options);
            Map<String, String> sample = new LinkedHashMap<>();
            sample.put("prompt", prompt);
            sample.put("completion", tokenizer.decode(generated, true));
            out.add(sample);
        }
        return out;
    }
}
