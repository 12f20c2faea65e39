package dev.finetune4j.tokenizer;

import dev.finetune4j.tokenizer.template.JinjaChatTemplate;
import java.util.Map;

/** The ChatML fallback template and the rule for choosing a tokenizer's template. */
public final class ChatTemplates {
    /**
     * transformers' former class-level default (ChatML), which llm-foundry uses when a tokenizer has no chat template
     * (docs/training.md §4.1).
     */
    public static final String CHATML = "{% for message in messages %}"
            + "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
            + "{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    private ChatTemplates() {
    }

    /** The ChatML default, with no special tokens in its context. */
    public static JinjaChatTemplate defaultChatMl() {
        return defaultChatMl(Map.of());
    }

    /** The ChatML default, with the tokenizer's special tokens in its context. */
    public static JinjaChatTemplate defaultChatMl(Map<String, Object> specialTokens) {
        return JinjaChatTemplate.compile(CHATML, "default ChatML", specialTokens);
    }

    /**
     * The tokenizer's chat template; without one, the ChatML default when {@code allowDefault}, else a
     * {@link MissingChatTemplateException} telling the user how to fix it.
     */
    public static ChatTemplate resolve(TextTokenizer tokenizer, boolean allowDefault) {
        var own = tokenizer.chatTemplate();
        if (own.isPresent()) {
            return own.get();
        }
        if (!allowDefault) {
            throw new MissingChatTemplateException("the tokenizer " + tokenizer + " has no chat template "
                    + "(no chat_template in tokenizer_config.json and no chat_template.jinja), so CHAT_COMPLETION data "
                    + "cannot be formatted; add a chat template to the tokenizer folder, or allow the ChatML default");
        }
        Map<String, Object> specials = tokenizer instanceof HfTokenizer hf
                ? hf.specialTokens().templateVariables() : Map.of();
        return defaultChatMl(specials);
    }
}
