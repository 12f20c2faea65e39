package dev.finetune4j.tokenizer;

import java.util.List;
import java.util.Map;

/**
 * A compiled chat template with transformers' {@code apply_chat_template} semantics: the context is
 * {@code extraContext} + {@code messages} + {@code add_generation_prompt} (only when not null) + the tokenizer's
 * special tokens (bos_token, eos_token, …) + {@code raise_exception} and {@code strftime_now}.
 */
public interface ChatTemplate {

    /**
     * Renders the conversation to text, byte for byte as transformers would.
     *
     * @param messages            each with "role" and "content" (plus whatever the template reads)
     * @param addGenerationPrompt null = not passed to the template
     * @param extraContext        extra variables (tools, date_string, …); may be empty
     * @throws ChatTemplateException when the template raises or fails; the message names template, line and message
     */
    String render(List<Map<String, Object>> messages, Boolean addGenerationPrompt, Map<String, Object> extraContext);
}
