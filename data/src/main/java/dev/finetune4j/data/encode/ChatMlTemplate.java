package dev.finetune4j.data.encode;

import dev.finetune4j.tokenizer.ChatTemplate;
import java.util.List;
import java.util.Map;

/**
 * The ChatML template llm-foundry falls back to when a tokenizer has no chat template (reference-behaviours §5):
 * {@code <|im_start|>role\ncontent<|im_end|>\n} per message, and {@code <|im_start|>assistant\n} as the generation
 * prompt.
 */
public final class ChatMlTemplate implements ChatTemplate {

    @Override
    public String render(List<Map<String, Object>> messages, Boolean addGenerationPrompt, Map<String, Object> extraContext) {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> m : messages) {
            sb.append("<|im_start|>").append(m.get("role")).append('\n').append(m.get("content")).append("<|im_end|>\n");
        }
        if (Boolean.TRUE.equals(addGenerationPrompt)) {
            sb.append("<|im_start|>assistant\n");
        }
        return sb.toString();
    }
}
